#!/usr/bin/env -S node --max-semi-space-size=32
// (a larger young generation: 100,000 sites make many short-lived objects, and with the default
// size the garbage collector keeps too many of them; peak memory halves)
import { run } from "../dist/cli.js";
await run();
