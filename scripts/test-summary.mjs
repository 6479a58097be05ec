// Prints one plain line from vitest's JSON report: "tests: N passed, N failed[, N skipped]".
import fs from 'node:fs';
const r = JSON.parse(fs.readFileSync(process.argv[2] ?? 'test-output/vitest.json', 'utf8'));
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`);
