import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseApprovalsConfig } from '../../src/approval/config.js';
import { DEFAULT_ZONE, evaluateZones, type CountedApproval } from '../../src/approval/status.js';
import { parseGateConfig } from '../../src/gate/config.js';

const a = (index: number, principal: string, decision: 'approve' | 'reject' = 'approve'): CountedApproval => ({
  index,
  reviewer: principal,
  principal,
  decision,
  method: 'cli',
  time: '2026-11-17T10:00:00.000Z',
});

describe('zone approval rules (pure)', () => {
  const gate = parseGateConfig({
    zones: [
      { name: 'payments', path: 'payments/**', approvers: ['cfo@bank.example'], approver_groups: ['pay-leads'] },
      { name: 'lending', path: 'lending/**', approvers: ['lena@bank.example'] },
      { name: 'open', path: 'open/**', obligations: ['human-review'] },
    ],
  });
  const cfg = parseApprovalsConfig({ required: 1, zone_required: { payments: 2 }, groups: { 'pay-leads': ['pam@bank.example', 'pete@bank.example'] } });

  it('counts only eligible approvers (listed or in a listed group) and needs every group', () => {
    const [z] = evaluateZones(['payments'], [a(1, 'cfo@bank.example'), a(2, 'random@bank.example')], gate, cfg);
    assert.deepEqual(z!.approvedBy, ['cfo@bank.example']);
    assert.deepEqual(z!.missingGroups, ['pay-leads']);
    assert.equal(z!.satisfied, false);
    const [z2] = evaluateZones(['payments'], [a(1, 'cfo@bank.example'), a(2, 'pam@bank.example')], gate, cfg);
    assert.equal(z2!.satisfied, true);
  });

  it('needs zone_required distinct reviewers; repeated approvals by one reviewer count once', () => {
    const [z] = evaluateZones(['payments'], [a(1, 'pam@bank.example'), a(2, 'pam@bank.example')], gate, cfg);
    assert.equal(z!.required, 2);
    assert.deepEqual(z!.approvedBy, ['pam@bank.example']);
    assert.equal(z!.satisfied, false);
  });

  it("takes each reviewer's latest decision; an eligible reject blocks, an ineligible one does not", () => {
    assert.equal(evaluateZones(['lending'], [a(1, 'lena@bank.example', 'reject'), a(2, 'lena@bank.example')], gate, cfg)[0]!.satisfied, true);
    assert.equal(evaluateZones(['lending'], [a(1, 'lena@bank.example'), a(2, 'lena@bank.example', 'reject')], gate, cfg)[0]!.satisfied, false);
    assert.equal(evaluateZones(['lending'], [a(1, 'lena@bank.example'), a(2, 'x@bank.example', 'reject')], gate, cfg)[0]!.satisfied, true);
  });

  it('lets anyone approve a zone with no approver list, and uses a default zone when none is named', () => {
    assert.equal(evaluateZones(['open'], [a(1, 'x@bank.example')], gate, cfg)[0]!.satisfied, true);
    const [d] = evaluateZones([], [], gate, cfg);
    assert.equal(d!.zone, DEFAULT_ZONE);
    assert.equal(d!.satisfied, false);
    // an unknown zone name (config changed since the run) still needs the default count
    assert.equal(evaluateZones(['gone'], [], gate, cfg)[0]!.satisfied, false);
  });
});
