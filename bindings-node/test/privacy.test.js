'use strict'

// Issue #28: eraseCustomer and applyRetention (core/src/engine/privacy.rs), read back
// from the raw store file; TLS options carried by PatternEngine.open's URL.

const test = require('node:test')
const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const { PatternEngine, PatternLearningError } = require('..')

function tempDir(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pl-node-privacy-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** Every byte of the store file and the files SQLite keeps beside it, as text. */
function rawStore(file) {
  const dir = path.dirname(file)
  return fs
    .readdirSync(dir)
    .filter((name) => name.startsWith(path.basename(file)))
    .map((name) => fs.readFileSync(path.join(dir, name), 'latin1'))
    .join('\n')
}

async function rejectsWith(promise, code) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof PatternLearningError, `not a PatternLearningError: ${err}`)
    assert.equal(err.code, code, err.message)
    return true
  })
}

test('eraseCustomer leaves nothing of the customer in the store file', async (t) => {
  const file = path.join(tempDir(t), 'inbox.db')
  const engine = await PatternEngine.open(file)
  const sam = { conversationId: 'conv-sam-4711', phone: '+19025550100', messageId: 'msg-sam-1' }
  await engine.process('I left a zebra-striped umbrella in bay 4', sam)
  await engine.feedback({
    query: 'I left a zebra-striped umbrella in bay 4',
    action: 'answer',
    sentReply: 'We found it: it is at the front desk.',
  })
  await engine.process('is the periwinkle room free tonight', { conversationId: 'conv-ana-1234' })
  assert.match(rawStore(file), /zebra-striped/)

  const erased = await engine.eraseCustomer({ conversationId: 'conv-sam-4711' })
  assert.deepEqual(
    [erased.decisions, erased.examples, erased.conversations],
    [1, 1, 1],
    JSON.stringify(erased),
  )
  const raw = rawStore(file)
  for (const gone of ['zebra-striped', 'conv-sam-4711', 'msg-sam-1']) {
    assert.ok(!raw.includes(gone), `${gone} is still in the file`)
  }
  assert.ok(raw.includes('periwinkle') && raw.includes('conv-ana-1234'))
  engine.close()
})

test('eraseCustomer refuses a customer it cannot name', async () => {
  const engine = new PatternEngine()
  await rejectsWith(engine.eraseCustomer({}), 'INVALID_CUSTOMER')
  await rejectsWith(engine.eraseCustomer({ phone: 'n/a' }), 'INVALID_CUSTOMER')
  await rejectsWith(engine.eraseCustomer('conv-1'), 'INVALID_ARGUMENT')
  await rejectsWith(engine.eraseCustomer({ phone: 9025550100 }), 'INVALID_ARGUMENT')
  const counts = await engine.eraseCustomer({ phone: '902 555 0100' })
  assert.equal(counts.decisions, 0)
})

test('applyRetention follows the configured period', async (t) => {
  const file = path.join(tempDir(t), 'inbox.db')
  const engine = await PatternEngine.open(file)
  assert.deepEqual(engine.getConfig().retention, { decisionDays: null, onOpen: true })
  assert.equal(await engine.applyRetention(), null)
  await engine.process('is the periwinkle room free tonight', { conversationId: 'conv-1' })
  engine.setConfig({ retention: { decisionDays: 90 } })
  assert.equal(engine.getConfig().retention.decisionDays, 90)
  const counts = await engine.applyRetention()
  assert.equal(counts.decisions, 0, 'nothing is 90 days old yet')
  assert.ok(rawStore(file).includes('periwinkle'))
  assert.throws(() => engine.setConfig({ retention: { decisionDays: 0 } }), (err) => err.code === 'INVALID_CONFIG')
  engine.close()
})

const SERVER = process.env.PATTERN_LEARNING_TEST_POSTGRES
const SKIP = SERVER
  ? false
  : 'PATTERN_LEARNING_TEST_POSTGRES is not set: run under scripts/with-postgres (scripts/test does)'

/** A fresh database on the test server; its URL. */
function freshDatabase(t) {
  const name = `pl_node_privacy_${process.pid}`
  const psql = (sql) => execFileSync('psql', [SERVER, '-q', '-c', sql], { stdio: 'pipe' })
  psql(`DROP DATABASE IF EXISTS ${name}`)
  psql(`CREATE DATABASE ${name}`)
  t.after(() => psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
  return SERVER.replace(/\/[^/]*$/, `/${name}`)
}

test('eraseCustomer leaves nothing of the customer in the PostgreSQL tables', { skip: SKIP }, async (t) => {
  const url = freshDatabase(t)
  // Every row of every table, as pg_dump writes them.
  const rawTables = () => execFileSync('pg_dump', ['--data-only', url], { encoding: 'latin1' })
  const engine = await PatternEngine.open(url)
  const sam = { conversationId: 'conv-sam-4711', phone: '+19025550100', messageId: 'msg-sam-1' }
  await engine.process('I left a zebra-striped umbrella in bay 4', sam)
  await engine.feedback({
    query: 'I left a zebra-striped umbrella in bay 4',
    action: 'answer',
    sentReply: 'We found it: it is at the front desk.',
  })
  await engine.process('is the periwinkle room free tonight', { conversationId: 'conv-ana-1234' })
  assert.match(rawTables(), /zebra-striped/)

  const erased = await engine.eraseCustomer({ conversationId: 'conv-sam-4711' })
  assert.deepEqual(
    [erased.decisions, erased.examples, erased.conversations],
    [1, 1, 1],
    JSON.stringify(erased),
  )
  const raw = rawTables()
  for (const gone of ['zebra-striped', 'conv-sam-4711', 'msg-sam-1']) {
    assert.ok(!raw.includes(gone), `${gone} is still in the tables`)
  }
  assert.ok(raw.includes('periwinkle') && raw.includes('conv-ana-1234'))
  engine.close()
})

test('the URL of PatternEngine.open carries sslmode and sslrootcert', { skip: SKIP }, async () => {
  // The test server offers no TLS: requiring it is refused with TLS_ERROR.
  const sep = SERVER.includes('?') ? '&' : '?'
  await rejectsWith(PatternEngine.open(`${SERVER}${sep}sslmode=require`), 'TLS_ERROR')
  await rejectsWith(
    PatternEngine.open(`${SERVER}${sep}sslmode=verify-full&sslrootcert=/nonexistent/ca.pem`),
    'TLS_ERROR',
  )
})
