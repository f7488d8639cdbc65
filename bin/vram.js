#!/usr/bin/env node
// The only file that touches `process`: wires main(argv, io) to the real streams and sets the exit code.
'use strict';
const { loadCli } = require('./load-cli.js');

const io = {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  stdoutIsTty: process.stdout.isTTY === true,
  stdoutColumns: process.stdout.columns,
  stderrIsTty: process.stderr.isTTY === true,
  readStdin: async (maxBytes) => {
    const chunks = [];
    let length = 0;
    for await (const chunk of process.stdin) {
      chunks.push(chunk);
      length += chunk.length;
      if (length >= maxBytes) break;
    }
    return Buffer.concat(chunks);
  },
};

// A reader that goes away (`vram … | head`) is not an error: stop writing, keep the exit code.
// Any other failed write (a full disk: ENOSPC) is one line on stderr, if it can still be written,
// and exit code 1.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') return;
    if (stream === process.stdout) {
      try {
        process.stderr.write(`error: cannot write the output: ${error.code ?? 'write failed'}\n`);
      } catch {}
    }
    process.exit(1);
  });
}

// `vram --version` alone is answered before the bundle loads (commander prints the same line; the
// bundle test compares the two byte for byte).
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${require('../package.json').version}\n`);
} else {
  loadCli()
    .cli.main(argv, io)
    .then((code) => {
      process.exitCode = code;
    });
}
