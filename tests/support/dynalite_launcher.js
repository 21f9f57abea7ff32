// Starts dynalite (a DynamoDB-API server) for the tests: in memory, on 127.0.0.1 and a
// port the kernel picks, so parallel test processes never collide. Prints one JSON line,
// {"dynalite":"listening","port":N}, once it accepts connections; that line is how
// EmulatorProcess learns the port. Exits when its stdin closes: the test process holds
// the other end, so even a test run that crashes takes its dynalite with it.
'use strict'

const path = require('path')

const repoRoot = path.join(__dirname, '..', '..')
let dynalite
try {
  // The copy package-lock.json pins, never one found elsewhere on the machine.
  dynalite = require(path.join(repoRoot, 'node_modules', 'dynalite'))
} catch (error) {
  process.stderr.write('dynalite is not installed in ' + repoRoot +
    '/node_modules (run scripts/setup.sh): ' + error.message + '\n')
  process.exit(1)
}

// Tables become ACTIVE at once: real DynamoDB takes seconds, dynalite 500 ms by default,
// and every test creates its own table.
const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 })

server.on('error', (error) => {
  process.stderr.write('dynalite: ' + error.message + '\n')
  process.exit(1)
})

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ dynalite: 'listening', port: server.address().port }) + '\n')
})

// Everything is in memory, so there is nothing to flush: leave at once.
const leave = () => process.exit(0)
process.on('SIGTERM', leave)
process.on('SIGINT', leave)
process.stdin.on('end', leave)
process.stdin.on('close', leave)
process.stdin.on('error', leave)
process.stdin.resume()
