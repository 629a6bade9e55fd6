// How every harness script ends: its exit code from main(), or a crash printed with a failing count, so
// test/run-all.sh's summary counts a script that died as one failure.
export function runMain(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : error);
      console.log('0 passed, 1 failed');
      process.exit(1);
    },
  );
}
