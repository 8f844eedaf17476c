import assert from "node:assert/strict";
import { test } from "node:test";

import { expandPath, serverCommand, statusText } from "../settings";

test("the default command is `tempolint server`", () => {
  assert.deepEqual(serverCommand({}, "/home/ada"), { command: "tempolint", args: ["server"] });
  assert.deepEqual(serverCommand({ path: "  " }, "/home/ada"), { command: "tempolint", args: ["server"] });
});

test("a configured path and extra arguments are used", () => {
  assert.deepEqual(serverCommand({ path: "/opt/tempolint", args: ["--verbose"] }, "/home/ada"), {
    command: "/opt/tempolint",
    args: ["server", "--verbose"],
  });
});

test("arguments that are not strings are ignored", () => {
  assert.deepEqual(serverCommand({ args: ["a", 3, null, "b"] }, "/h").args, ["server", "a", "b"]);
  assert.deepEqual(serverCommand({ args: "oops" }, "/h").args, ["server"]);
});

test("~ and ${workspaceFolder} are expanded", () => {
  assert.equal(expandPath("~/bin/tempolint", "/home/ada"), "/home/ada/bin/tempolint");
  assert.equal(
    expandPath("${workspaceFolder}/target/release/tempolint", "/home/ada", "/src/app"),
    "/src/app/target/release/tempolint",
  );
  assert.equal(expandPath("/abs/~/x", "/home/ada"), "/abs/~/x");
});

test("the status item names each state", () => {
  assert.match(statusText("running"), /tempolint/);
  assert.notEqual(statusText("running"), statusText("stopped"));
});
