/** The README.md written into every bundle (static text, so bundles stay byte-identical). */
export const BUNDLE_README = `# Bulwark evidence bundle

This folder is SOC 2 evidence exported from a Bulwark audit log for the period in
\`manifest.json\` (UTC, start inclusive, end exclusive). It can be checked offline, without
access to the team's systems, with the public key of the audit log (a C2SP vkey line such as
\`bulwark-audit+1a2b3c4d+AXV...\`) obtained from the security team out of band.

## Files

| file | content |
|---|---|
| manifest.json | period, generator version, query parameters, row counts, SHA-256 of every file, signed start/end checkpoints, the Merkle frontier and a consistency proof, the previous bundle's manifest hash; signed with the audit key |
| entries.jsonl | the log entries of the period, one per line, exactly the canonical bytes that were hashed into the log |
| changes.csv | every reviewed change: run, repo, CI run, base/head, change hash, AI involvement and models, gate result, zones and call paths, approvals, author ≠ approver, deployment, emergency flag |
| approvals.csv | every approval with its SSH signature (namespace bulwark-approval) |
| llm_calls.jsonl | every model call: provider, requested and returned model, parameters, input/output hashes, latency, tokens, status |
| gate_decisions.csv | every compliance-gate decision with reasons and call paths |
| exceptions.csv | overrides, emergency changes, failed runs and stages, skipped or incomplete reviews, sandbox and egress denials, witnesses that did not cosign a checkpoint |
| integrity_report.json | the checks the exporter ran and the state of every referenced prompt/response blob (stored, archived, purged per policy, missing) |
| config_snapshot.toml | the bulwark.toml in force when the bundle was exported |

## Verify offline

    bulwark audit verify --bundle THIS_DIR --trusted-key audit.pub [--previous PREVIOUS_BUNDLE_DIR]

It checks, and exits non-zero on the first failure of any:

1. the manifest signature (Ed25519, C2SP signed note) against the trusted key;
2. the SHA-256 of every file against the manifest, and that no file was added;
3. the start and end checkpoints' signatures and origin;
4. that the frontier folds to the start root, and that the frontier plus the hashes of the
   entries in entries.jsonl (RFC 6962 leaves, SHA-256(0x00 || line)) give the end root: the
   entries are exactly the log's entries in that index range, none added, removed or changed;
5. the RFC 9162 consistency proof from the start to the end checkpoint;
6. that changes.csv, approvals.csv, llm_calls.jsonl, gate_decisions.csv and exceptions.csv are
   exactly what the entries say (they are re-derived and compared byte for byte), and the row counts;
7. with --previous: that the previous bundle verifies, that this manifest names its manifest's
   SHA-256, that this bundle starts where it ended, and the consistency proof between its end
   checkpoint and this one (nothing in the log was rewritten between bundles).

Without Bulwark: \`sha256sum\` the files against \`manifest.json\`; each approval's signature can be
checked with \`ssh-keygen -Y verify -n bulwark-approval -I <reviewer> -f allowed_signers -s sig\`
over the canonical JSON payload described in Bulwark's docs/for-auditors.md.
`;
