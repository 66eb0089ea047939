// Test-only entry of the real CLI for the crash matrix (test/engine/crash-matrix.test.ts): runs `gantry ARGS…` from
// the tests' compiled CLI (GANTRY_CRASH_MAIN: its dist/cli/main.js, test/support/cli-build.ts) and SIGKILLs itself the moment the progress line GANTRY_CRASH_AT is written — that line is printed by
// the actors' commit listener, right after the transition's audit row committed and before any effect of it — or
// GANTRY_CRASH_DELAY_MS later (a kill while the step's process runs, e.g. mid-gate). Nothing of production changes.
const { main } = await import(process.env['GANTRY_CRASH_MAIN']);

const at = process.env['GANTRY_CRASH_AT'] ?? '';
const delay = Number(process.env['GANTRY_CRASH_DELAY_MS'] ?? '0');
let armed = at !== '';
const write = process.stdout.write.bind(process.stdout);
const die = () => void process.kill(process.pid, 'SIGKILL');

process.stdout.write = (chunk, ...rest) => {
  const ok = write(chunk, ...rest);
  if (armed && String(chunk).includes(at)) {
    armed = false;
    if (delay > 0) setTimeout(die, delay);
    else die();
  }
  return ok;
};

process.exitCode = await main(process.argv.slice(2));
