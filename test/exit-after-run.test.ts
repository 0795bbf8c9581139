// Some handle left open by a test of this suite (not yet found: the run hangs idle after its summary, seen in CI
// on 2026-12-02) keeps `npx hardhat test` from exiting. Until it is found, the process leaves 20 s after the last
// test with the exit code the run set. The timer is unref'd: a run that ends on its own is not held.
after(function () {
  setTimeout(() => {
    process.exit(process.exitCode ?? 0);
  }, 20_000).unref();
});
