'use strict'

// PatternEngine.open('postgres://…'): engines sharing one PostgreSQL database.
// Needs a real server: PATTERN_LEARNING_TEST_POSTGRES, set by scripts/with-postgres
// (which scripts/test uses). Without it the test is skipped, and says why.

const test = require('node:test')
const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')

const { PatternEngine } = require('..')

const SERVER = process.env.PATTERN_LEARNING_TEST_POSTGRES
const SKIP = SERVER
  ? false
  : 'PATTERN_LEARNING_TEST_POSTGRES is not set: run under scripts/with-postgres (scripts/test does)'

/** A fresh database on the test server; its URL. */
function freshDatabase(t) {
  const name = `pl_node_${process.pid}`
  const psql = (sql) => execFileSync('psql', [SERVER, '-q', '-c', sql], { stdio: 'pipe' })
  psql(`DROP DATABASE IF EXISTS ${name}`)
  psql(`CREATE DATABASE ${name}`)
  t.after(() => psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
  return SERVER.replace(/\/[^/]*$/, `/${name}`)
}

test('two engines on one PostgreSQL database share what they learn', { skip: SKIP }, async (t) => {
  const url = freshDatabase(t)
  const a = await PatternEngine.open(url)
  const b = await PatternEngine.open(url)
  assert.ok(a.durable && b.durable)
  assert.equal((await b.process('what is the wifi password?')).reason, 'no_matching_pattern')

  const reply = 'The wifi password is on the wall by bay 1.'
  const learned = await a.feedback({ query: 'what is the wifi password?', action: 'answer', sentReply: reply })
  assert.equal(typeof learned.learnedPattern, 'number')
  const d = await b.process('wifi password?')
  assert.equal(d.patternId, learned.learnedPattern)
  assert.equal(d.response, reply)

  a.close()
  b.close()
  const reopened = await PatternEngine.open(url)
  assert.equal(reopened.patternCount, 1)
  reopened.close()
})

test('a bad PostgreSQL URL is a STORE_ERROR', { skip: SKIP }, async () => {
  await assert.rejects(PatternEngine.open('postgres://nobody@127.0.0.1:1/none'), (err) => {
    assert.equal(err.code, 'STORE_ERROR', err.message)
    return true
  })
})

test('two engines: a takeover and a decision on one are honoured by the other', { skip: SKIP }, async (t) => {
  const url = freshDatabase(t)
  const a = await PatternEngine.open(url)
  const b = await PatternEngine.open(url)
  const login = "i can't log in to the trackman"
  const p = await a.createPattern({
    triggerExamples: [login, 'qr login failed', 'trackman login is not working', 'cant login on the simulator'],
    responseTemplate: "You can play as Guest: tap 'Guest' on the TrackMan login screen.",
    confidence: 1,
    autoExecutable: true,
  })
  // V1's approval threshold (10 by default) before a pattern may auto-send.
  for (let i = 0; i < 10; i++) {
    await a.feedback({ query: `${login} ${i}!`, action: 'approve', patternId: p.id })
  }
  a.recordOperatorMessage('c1', login)
  assert.notEqual((await b.process(login, { conversationId: 'c1' })).action, 'auto_execute')
  assert.equal((await b.process(login, { conversationId: 'c2' })).action, 'auto_execute')

  await a.setAutoExecutable(p.id, false)
  const d = await a.process(login, { conversationId: 'c3' })
  assert.equal(typeof d.id, 'string')
  const out = await b.feedback({ query: login, action: 'reject', decisionId: d.id })
  assert.equal(out.judgedPattern, p.id)
  assert.equal(a.refresh(), true)
  assert.equal(a.pattern(p.id).failureCount, 1)
  a.close()
  b.close()
})
