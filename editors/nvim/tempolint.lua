-- tempolint for Neovim's built-in LSP client (Neovim >= 0.7; `vim.lsp.start` on >= 0.8,
-- `vim.lsp.start_client` + `buf_attach_client` on 0.7, which Debian 12 ships).
--
--   package.path = "/path/to/tempolint/editors/nvim/?.lua;" .. package.path
--   require("tempolint").setup({ cmd = { "tempolint", "server" } })
--
-- Every Python buffer attaches to one server per project root (the nearest folder holding
-- pyproject.toml, tempolint.toml, setup.py or .git; else the file's folder).
local M = {}

M.config = {
  cmd = { "tempolint", "server" },
  filetypes = { "python" },
  root_markers = { "pyproject.toml", "tempolint.toml", "setup.py", "setup.cfg", ".git" },
}

local clients = {} -- root folder -> client id (Neovim 0.7 only)

local function find_root(path)
  local dir = vim.fn.fnamemodify(path, ":p:h")
  for _, marker in ipairs(M.config.root_markers) do
    local found = vim.fn.findfile(marker, dir .. ";")
    if found == "" then
      found = vim.fn.finddir(marker, dir .. ";")
    end
    if found ~= "" then
      return vim.fn.fnamemodify(found, ":p:h"):gsub("/%.git$", "")
    end
  end
  return dir
end

local function client_config(root)
  return {
    name = "tempolint",
    cmd = M.config.cmd,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
  }
end

-- Attaches the tempolint client to buffer `bufnr`.
function M.attach(bufnr)
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == "" then
    return
  end
  local root = find_root(name)
  if vim.lsp.start then
    vim.lsp.start(client_config(root), { bufnr = bufnr })
    return
  end
  local id = clients[root]
  if id == nil or vim.lsp.get_client_by_id(id) == nil then
    id = vim.lsp.start_client(client_config(root))
    clients[root] = id
  end
  if id then
    vim.lsp.buf_attach_client(bufnr, id)
  end
end

function M.setup(opts)
  M.config = vim.tbl_deep_extend("force", M.config, opts or {})
  local group = vim.api.nvim_create_augroup("tempolint", { clear = true })
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = M.config.filetypes,
    callback = function(args)
      M.attach(args.buf)
    end,
  })
end

return M
