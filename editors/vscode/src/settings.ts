// How the extension starts the server, from the user's settings. Kept free of the `vscode`
// module so the unit tests run under plain node.

export interface ServerSettings {
  /** `tempolint.path`: the binary; empty means `tempolint` from PATH. */
  path?: string;
  /** `tempolint.args`: extra arguments after `server`. */
  args?: unknown;
}

export interface ServerCommand {
  command: string;
  args: string[];
}

/** Expands a leading `~/` and `${workspaceFolder}` in a configured path. */
export function expandPath(path: string, home: string, workspaceFolder?: string): string {
  let expanded = path.trim();
  if (expanded === "~" || expanded.startsWith("~/")) {
    expanded = home + expanded.slice(1);
  }
  if (workspaceFolder !== undefined) {
    expanded = expanded.split("${workspaceFolder}").join(workspaceFolder);
  }
  return expanded;
}

/** The command line of the server: `<path or tempolint> server <args…>`. */
export function serverCommand(
  settings: ServerSettings,
  home: string,
  workspaceFolder?: string,
): ServerCommand {
  const configured = typeof settings.path === "string" ? settings.path : "";
  const command = configured.trim() === "" ? "tempolint" : expandPath(configured, home, workspaceFolder);
  const extra = Array.isArray(settings.args)
    ? settings.args.filter((arg): arg is string => typeof arg === "string")
    : [];
  return { command, args: ["server", ...extra] };
}

/** The status bar text for a client state. */
export function statusText(state: "starting" | "running" | "stopped"): string {
  switch (state) {
    case "starting":
      return "$(sync~spin) tempolint";
    case "running":
      return "$(check) tempolint";
    case "stopped":
      return "$(error) tempolint";
  }
}
