/** A loopback TCP port that is free right now (the OS picks it): the same helper `check` uses. */
export { freePort } from "../../src/check/stubs.js";
