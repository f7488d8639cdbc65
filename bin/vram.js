#!/usr/bin/env node
// The only file that touches `process`: wires main(argv, io) to the real streams and sets the exit code.
'use strict';
const { loadCli } = require('./load-cli.js');

const io = {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  stdoutIsTty: process.stdout.isTTY === true,
  readStdin: async () => {
    const chunks = [];
    for await (const chunk of process.stdin) chunks.push(chunk);
    return Buffer.concat(chunks).toString('utf8');
  },
};

loadCli()
  .cli.main(process.argv.slice(2), io)
  .then((code) => {
    process.exitCode = code;
  });
