// The tempolint extension: starts `tempolint server` over stdio for Python files, with a
// status item and a "Restart server" command.
import * as os from "node:os";
import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  State,
  TransportKind,
} from "vscode-languageclient/node";

import { serverCommand, statusText } from "./settings";

let client: LanguageClient | undefined;
let status: vscode.StatusBarItem | undefined;

function createClient(): LanguageClient {
  const config = vscode.workspace.getConfiguration("tempolint");
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const { command, args } = serverCommand(
    { path: config.get<string>("path"), args: config.get<unknown>("args") },
    os.homedir(),
    folder,
  );
  const serverOptions: ServerOptions = {
    run: { command, args, transport: TransportKind.stdio },
    debug: { command, args, transport: TransportKind.stdio },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: "file", language: "python" }],
    synchronize: {
      fileEvents: [
        vscode.workspace.createFileSystemWatcher("**/*.py"),
        vscode.workspace.createFileSystemWatcher("**/{pyproject,tempolint}.toml"),
      ],
    },
    outputChannelName: "tempolint",
  };
  const created = new LanguageClient("tempolint", "tempolint", serverOptions, clientOptions);
  created.onDidChangeState((event) => {
    if (!status) {
      return;
    }
    status.text = statusText(
      event.newState === State.Running ? "running" : event.newState === State.Starting ? "starting" : "stopped",
    );
  });
  return created;
}

async function start(): Promise<void> {
  client = createClient();
  try {
    await client.start();
  } catch (error) {
    void vscode.window.showErrorMessage(`tempolint: the server did not start: ${error}`);
  }
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 0);
  status.text = statusText("starting");
  status.command = "tempolint.restart";
  status.tooltip = "tempolint: click to restart the server";
  status.show();
  context.subscriptions.push(
    status,
    vscode.commands.registerCommand("tempolint.restart", async () => {
      await client?.stop();
      await start();
    }),
    vscode.commands.registerCommand("tempolint.applyAutofix", async () => {
      const uri = vscode.window.activeTextEditor?.document.uri.toString();
      if (client && uri) {
        await client.sendRequest("workspace/executeCommand", {
          command: "tempolint.applyAutofix",
          arguments: [uri],
        });
      }
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("tempolint.path") || event.affectsConfiguration("tempolint.args")) {
        await client?.stop();
        await start();
      }
    }),
  );
  await start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
