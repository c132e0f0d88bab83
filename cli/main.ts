import { runCli } from './app';

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }).then(
  (code) => {
    process.exitCode = code;
  },
  () => {
    process.exitCode = 4;
  },
);
