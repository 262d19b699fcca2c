-- `ovpn6-lint --lsp` in a real Neovim: Debian's 0.7.2, headless. 0.7 has no vim.lsp.config or
-- vim.lsp.start, so the client is started with vim.lsp.start_client and attached with
-- vim.lsp.buf_attach_client, and the filetype is set by hand. The scenario: open a leaky
-- profile, see the finding, apply the preferred quick fix, see it go, undo, change the config,
-- see the re-lint. Prints each step; exits 1 (cquit) on the first failure.
--
--   OVPN6_LINT  the server binary
--   PROFILES    a folder holding leaky.ovpn (and a .git, so no config above it is found)

local bin = assert(os.getenv('OVPN6_LINT'), 'OVPN6_LINT is not set')
local dir = assert(os.getenv('PROFILES'), 'PROFILES is not set')
local started = vim.loop.hrtime()

local function say(message)
  io.stdout:write(string.format('[%6.0f ms] %s\n', (vim.loop.hrtime() - started) / 1e6, message))
end

local function fail(message)
  io.stdout:write('FAIL: ' .. message .. '\n')
  vim.cmd('cquit 1')
end

local function wait(what, predicate)
  if not vim.wait(60000, predicate, 10) then
    fail('timed out waiting for ' .. what)
  end
end

vim.lsp.set_log_level(os.getenv('NVIM_LSP_LOG_LEVEL') or 'warn')
local client_id = vim.lsp.start_client({
  name = 'ovpn6_lint',
  cmd = { bin, '--lsp' },
  root_dir = dir,
})
if not client_id then
  fail('the client did not start')
end

vim.cmd('edit ' .. dir .. '/leaky.ovpn')
local buf = vim.api.nvim_get_current_buf()
vim.bo[buf].filetype = 'openvpn'
vim.lsp.buf_attach_client(buf, client_id)
say('opened leaky.ovpn (filetype openvpn), attached ovpn6-lint --lsp')

wait('the first diagnostics', function()
  return #vim.diagnostic.get(buf) > 0
end)
local found = vim.diagnostic.get(buf)
local first = found[1]
local code = first.code or (first.user_data and first.user_data.lsp and first.user_data.lsp.code)
say(string.format('diagnostic line %d: [%s] %s', first.lnum + 1, tostring(code), first.message:gsub('\n', ' / ')))
if #found ~= 1 or code ~= 'incomplete-ipv6-routes' or first.lnum ~= 4 then
  fail('expected one incomplete-ipv6-routes finding on line 5')
end
if first.severity ~= vim.diagnostic.severity.ERROR then
  fail('expected an error')
end

vim.api.nvim_win_set_cursor(0, { first.lnum + 1, 0 })
local params = vim.lsp.util.make_range_params()
params.context = { diagnostics = vim.lsp.diagnostic.get_line_diagnostics(buf) }
local replies = vim.lsp.buf_request_sync(buf, 'textDocument/codeAction', params, 10000)
local preferred
local titles = {}
for _, reply in pairs(replies or {}) do
  for _, action in ipairs(reply.result or {}) do
    table.insert(titles, action.title)
    if action.isPreferred then
      preferred = action
    end
  end
end
say('code actions: ' .. table.concat(titles, ' | '))
if not preferred then
  fail('no preferred quick fix')
end

local applied = vim.loop.hrtime()
vim.lsp.util.apply_workspace_edit(preferred.edit, 'utf-16')
say('applied "' .. preferred.title .. '"; the buffer now ends with: '
  .. vim.api.nvim_buf_get_lines(buf, -2, -1, false)[1])
wait('the finding to go', function()
  return #vim.diagnostic.get(buf) == 0
end)
say(string.format('diagnostics cleared %.0f ms after the edit', (vim.loop.hrtime() - applied) / 1e6))

vim.cmd('undo')
wait('the finding to come back after undo', function()
  return #vim.diagnostic.get(buf) == 1
end)
say('undo: the finding is back')

local config = io.open(dir .. '/.ovpn6-lint.toml', 'w')
config:write('[rules]\nseverity = { incomplete-ipv6-routes = "note" }\n')
config:close()
local written = vim.loop.hrtime()
say('wrote .ovpn6-lint.toml (the rule becomes a note) outside the editor')
wait('the re-lint after the config change', function()
  local now = vim.diagnostic.get(buf)
  return #now == 1 and now[1].severity == vim.diagnostic.severity.INFO
end)
say(string.format('re-linted: the finding is now a note, %.0f ms after the write (the server polls)',
  (vim.loop.hrtime() - written) / 1e6))

vim.lsp.stop_client(client_id)
wait('the server to stop', function()
  return vim.lsp.get_client_by_id(client_id) == nil
end)
say('PASS: shutdown and exit')
vim.cmd('qall!')
