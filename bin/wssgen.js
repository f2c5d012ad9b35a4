#!/usr/bin/env node
// The wssgen command. CommonJS (bin/package.json), which Node starts a few ms sooner than an ES module;
// src/launch/ (dist/launch.cjs) re-runs a large config with memory flags, or loads the CLI bundle
// (dist/cli.cjs) through a V8 code cache and runs it.
"use strict";
const { join } = require("node:path");

require("../dist/launch.cjs").launch(join(__dirname, "..", "dist", "cli.cjs"));
