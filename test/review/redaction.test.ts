import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ibanValid, luhnValid, redactSecrets, SECRET_KINDS } from '../../src/domain/redact.js';
import { detectSecrets, presetRuleIds, PRESET_RULE_KINDS, redactText, redactTexts, SCAN_WINDOW, WINDOW_OVERLAP } from '../../src/llm/secret-scan.js';

/** Appends the Luhn check digit to a digit string. */
function withLuhn(body: string): string {
  for (let d = 0; d <= 9; d++) if (luhnValid(body + d)) return body + d;
  throw new Error('unreachable');
}

/** Builds an IBAN from country and BBAN, computing the ISO 7064 mod 97-10 check digits. */
function ibanOf(country: string, bban: string): string {
  const numeric = (bban + country + '00').replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  let rest = 0;
  for (const ch of numeric) rest = (rest * 10 + Number(ch)) % 97;
  return country + String(98 - rest).padStart(2, '0') + bban;
}

const grouped = (iban: string): string => iban.replace(/(.{4})(?=.)/g, '$1 ');

describe('card numbers (PAN)', () => {
  it('redacts Luhn-valid numbers, bare or with space or dash separators', () => {
    for (const text of ['card = "4111111111111111"', 'card: 4111 1111 1111 1111 exp 12/29', 'card=4111-1111-1111-1111;', 'amex 3782 822463 10005']) {
      const r = redactSecrets(text);
      assert.equal(r.counts.pan, 1, text);
      assert.ok(r.text.includes('[REDACTED:pan]'), r.text);
      assert.ok(!/4111|3782/.test(r.text), r.text);
    }
  });

  it('covers 13 and 19 digits and nothing longer', () => {
    const thirteen = withLuhn('422222222222');
    const nineteen = withLuhn('621234567890123456');
    assert.equal(thirteen.length, 13);
    assert.equal(nineteen.length, 19);
    assert.equal(redactSecrets(`a ${thirteen} b`).text, 'a [REDACTED:pan] b');
    assert.equal(redactSecrets(`a ${nineteen} b`).text, 'a [REDACTED:pan] b');
    const twenty = withLuhn(nineteen);
    assert.equal(redactSecrets(`a ${twenty} b`).text, `a ${twenty} b`);
    const twelve = withLuhn('41111111111');
    assert.equal(redactSecrets(`a ${twelve} b`).text, `a ${twelve} b`);
  });

  it('leaves Luhn-invalid runs, timestamps and ids alone', () => {
    const text = ['card = 4111111111111112', 'created_at = 1700000000000', `ts = ${withLuhn('170000000000')}`, 'order_id = 5000000000000000001'].join('\n');
    assert.ok(!luhnValid('4111111111111112'));
    assert.deepEqual(redactSecrets(text), { text, counts: {} });
  });

  it('does not match inside a longer digit or letter run', () => {
    const pan = '4111111111111111';
    const longer = '3' + pan;
    assert.ok(!luhnValid(longer), 'the 17-digit run is not itself a card number');
    for (const text of [`id ${longer} x`, `id 0000${pan}0 x`, `ref x${pan} x`, `ref ${pan}abc x`, `sha 9f${pan}e1`]) {
      assert.equal(redactSecrets(text).text, text, text);
    }
  });
});

describe('IBANs', () => {
  it('computes the known check digits (the helper is right)', () => {
    assert.equal(ibanOf('DE', '370400440532013000'), 'DE89370400440532013000');
    assert.equal(ibanOf('GB', 'WEST12345698765432'), 'GB82WEST12345698765432');
    assert.equal(ibanOf('FR', '20041010050500013M02606'), 'FR1420041010050500013M02606');
  });

  it('redacts valid DE, GB and FR IBANs, compact or in groups of four', () => {
    const ibans = [ibanOf('DE', '500105175407324931'), ibanOf('GB', 'NWBK60161331926819'), ibanOf('FR', '30006000011234567890189')];
    for (const iban of ibans) {
      assert.ok(ibanValid(iban), iban);
      for (const form of [iban, grouped(iban)]) {
        const r = redactSecrets(`pay to "${form}" today`);
        assert.equal(r.text, 'pay to "[REDACTED:iban]" today', form);
        assert.deepEqual(r.counts, { iban: 1 });
      }
    }
    // a capitalised word after a grouped IBAN is not part of it
    assert.equal(redactSecrets(`IBAN ${grouped('DE89370400440532013000')} EUR`).text, 'IBAN [REDACTED:iban] EUR');
  });

  it('leaves invalid checksums alone', () => {
    for (const bad of ['DE89370400440532013001', 'GB83WEST12345698765432', grouped('FR1520041010050500013M02606')]) {
      assert.ok(!ibanValid(bad.replace(/ /g, '')));
      assert.equal(redactSecrets(`x ${bad} y`).text, `x ${bad} y`);
    }
  });
});

describe('numbers in settings are not credentials', () => {
  it('keeps token budgets, max tokens and timeouts', async () => {
    const config = [
      'token_budget = 400000',
      'max_tokens = 4096',
      'timeout_seconds = 30',
      '"max_tokens": 4096,',
      'maxTokens: 8192',
      'token_budget = 400_000',
      'TOKEN_TTL=3600',
      'secret_rotation_days = 90',
    ].join('\n');
    assert.deepEqual(await redactText(config), { text: config, counts: {} });
  });

  it('still redacts credential values, numeric passwords included', async () => {
    const r = await redactText('api_token = "s3cr3t-v4lue"\ndb_password = 12345678\nclient_secret: Zm9vYmFyYmF6cXV4');
    assert.equal(r.counts['credential-assignment'], 3, r.text);
    assert.ok(!/s3cr3t|12345678|Zm9v/.test(r.text), r.text);
  });
});

const GITHUB = 'ghp_' + 'wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx';
const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzK3yQ8mT2v';
const SLACK = 'xoxb-1234567890-1234567890123-' + 'AbCdEfGhIjKlMnOpQrStUvWx';
const PEM_BODY = Array.from({ length: 4 }, (_, i) => `MIIEpAIBAAKCAQEA${i}c2xq83jQ4fZ0abcdef0123456789ABCDEFGHIJKLmnopqrstuv`).join('\n');
const PEM = `-----BEGIN RSA PRIVATE KEY-----\n${PEM_BODY}\n-----END RSA PRIVATE KEY-----`;

describe('the maintained rule set (secretlint recommended preset)', () => {
  it('finds GitHub, AWS, Slack tokens and private keys, each under its kind', async () => {
    const text = [`gh = ${GITHUB}`, `AWS_SECRET_ACCESS_KEY = "${AWS_SECRET}"`, `slack: ${SLACK}`, PEM].join('\n');
    const kinds = (await detectSecrets(text)).map((s) => s.kind).sort();
    assert.deepEqual(kinds, ['aws-secret-key', 'github-token', 'private-key', 'slack-token']);
    const r = await redactText(text);
    for (const secret of [GITHUB, AWS_SECRET, SLACK, 'MIIEpAIBAAKCAQEA', AWS_SECRET.slice(-12)])
      assert.ok(!r.text.includes(secret), `${secret} leaked: ${r.text}`);
    assert.deepEqual(r.counts, { 'github-token': 1, 'aws-secret-key': 1, 'slack-token': 1, 'private-key': 1 });
  });

  it('GitHub and Slack tokens are left to the preset (the pure rules alone do not see them)', () => {
    const text = `gh = ${GITHUB}\nslack: ${SLACK}`;
    assert.deepEqual(redactSecrets(text).counts, {});
  });

  it('a secretlint-disable comment in the text does not switch redaction off', async () => {
    const r = await redactText(`// secretlint-disable\nconst t = "${GITHUB}"; // secretlint-disable-line\n`);
    assert.ok(!r.text.includes(GITHUB), r.text);
  });

  it('finds a token that straddles a scan window boundary', async () => {
    const at = SCAN_WINDOW - 20;
    const text = 'x'.repeat(at) + ' ' + GITHUB + ' ' + 'y'.repeat(SCAN_WINDOW);
    assert.ok(GITHUB.length < WINDOW_OVERLAP);
    const r = await redactText(text);
    assert.ok(!r.text.includes(GITHUB));
    assert.deepEqual(r.counts, { 'github-token': 1 });
  });

  it('scans texts in one batch and gives each its own spans', async () => {
    const texts = ['nothing here', `a ${GITHUB}`, '', `b ${SLACK} c`, 'card 4111 1111 1111 1111'];
    const out = await redactTexts(texts);
    assert.deepEqual(
      out.map((r) => r.text),
      ['nothing here', 'a [REDACTED:github-token]', '', 'b [REDACTED:slack-token] c', 'card [REDACTED:pan]'],
    );
  });

  it('maps every rule of the preset to a kind the audit log knows', async () => {
    const ids = await presetRuleIds();
    assert.ok(ids.length >= 20, ids.join());
    for (const id of ids) {
      if (id === '@secretlint/secretlint-rule-filter-comments') continue; // disabled, finds nothing
      const kind = PRESET_RULE_KINDS[id];
      assert.ok(kind && (SECRET_KINDS as readonly string[]).includes(kind), `${id} has no kind`);
    }
  });

  it('stays fast on hostile inputs (many token-shaped strings, long digit runs)', { timeout: 60_000 }, async () => {
    for (const s of [`${GITHUB} `.repeat(5000), 'xoxb-1-2-abc '.repeat(15000), '4 '.repeat(100_000), 'DE89 '.repeat(40_000), '1'.repeat(200_000)])
      await redactText(s);
  });
});
