#!/usr/bin/env node
// The only file that touches `process`: wires main(argv, io) to the real streams and sets the exit code.
'use strict';
const { loadCli } = require('./load-cli.js');

const io = {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  stdoutIsTty: process.stdout.isTTY === true,
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
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

loadCli()
  .cli.main(process.argv.slice(2), io)
  .then((code) => {
    process.exitCode = code;
  });
