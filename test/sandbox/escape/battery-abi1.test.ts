/**
 * The escape battery with the launcher limited to Landlock ABI 1
 * (BULWARK_LANDLOCK_ABI_MAX): every attack must still be denied, now by the layers standing in
 * for what that ABI lacks, and the positive controls must still work; so must the attacks of one
 * worker on another (isolation.test.ts).
 */
process.env.BULWARK_LANDLOCK_ABI_MAX = '1';
await import('./battery.test.js');
await import('./isolation.test.js');
