'use strict'

// The durable engine: PatternEngine.open(path), close(), store errors, undo and bulk.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const { PatternEngine, PatternLearningError } = require('..')

const WIFI = 'The wifi password is on the wall by bay 1.'

function tempDir(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pl-node-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

async function rejectsWith(promise, code) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof PatternLearningError, `not a PatternLearningError: ${err}`)
    assert.equal(err.code, code, err.message)
    return true
  })
}

function throwsWith(fn, code) {
  assert.throws(fn, (err) => {
    assert.ok(err instanceof PatternLearningError, `not a PatternLearningError: ${err}`)
    assert.equal(err.code, code, err.message)
    return true
  })
}

test('open, learn, close, reopen: the pattern is there', async (t) => {
  const file = path.join(tempDir(t), 'patterns.db')
  const engine = await PatternEngine.open(file)
  assert.ok(engine instanceof PatternEngine)
  assert.equal(engine.durable, true)
  assert.equal(engine.closed, false)
  assert.equal(new PatternEngine().durable, false)
  const out = await engine.feedback({ query: 'what is the wifi password?', action: 'answer', sentReply: WIFI })
  const id = out.learnedPattern
  assert.equal(typeof id, 'number')
  engine.close()
  assert.equal(engine.closed, true)
  assert.equal(engine.durable, true, 'still readable after close')
  engine.close() // closing again does nothing

  const reopened = await PatternEngine.open(file)
  t.after(() => reopened.close())
  assert.equal(reopened.patternCount, 1)
  const p = reopened.pattern(id)
  assert.equal(p.responseTemplate, WIFI)
  assert.equal(p.provenance, 'learned')
  assert.equal(reopened.history(id)[0].kind, 'created')
  const d = await reopened.process('wifi password?')
  assert.equal(d.patternId, id)
  assert.equal(d.response, WIFI)
})

test('a closed engine throws or rejects with ENGINE_CLOSED', async () => {
  const engine = new PatternEngine()
  engine.close()
  throwsWith(() => engine.patternCount, 'ENGINE_CLOSED')
  throwsWith(() => engine.patterns(), 'ENGINE_CLOSED')
  throwsWith(() => engine.getConfig(), 'ENGINE_CLOSED')
  throwsWith(() => engine.processSync('hello'), 'ENGINE_CLOSED')
  await rejectsWith(engine.process('hello'), 'ENGINE_CLOSED')
  await rejectsWith(engine.feedback({ query: 'hi', action: 'answer', sentReply: 'hello!' }), 'ENGINE_CLOSED')
  await rejectsWith(engine.undo(1), 'ENGINE_CLOSED')
  await rejectsWith(engine.bulk('deactivate', {}), 'ENGINE_CLOSED')
})

test('close waits for calls already made, then releases the file', async (t) => {
  const file = path.join(tempDir(t), 'patterns.db')
  const engine = await PatternEngine.open(file)
  const pending = engine.feedback({ query: 'do you sell gift cards?', action: 'answer', sentReply: 'Yes, online.' })
  engine.close() // returns once the call above has finished and the file is closed
  const outcome = await pending
  assert.equal(outcome.created, true)
  const reopened = await PatternEngine.open(file) // not STORE_LOCKED
  t.after(() => reopened.close())
  assert.equal(reopened.patternCount, 1)
})

test('a second open of the same file rejects with STORE_LOCKED', async (t) => {
  const file = path.join(tempDir(t), 'patterns.db')
  const first = await PatternEngine.open(file)
  await rejectsWith(PatternEngine.open(file), 'STORE_LOCKED')
  first.close()
  const second = await PatternEngine.open(file)
  second.close()
})

test('a file that is not a store rejects with CORRUPT_STORE and is left unchanged', async (t) => {
  const file = path.join(tempDir(t), 'garbage.db')
  const garbage = 'this is not a pattern-learning store\n'.repeat(200)
  fs.writeFileSync(file, garbage)
  await rejectsWith(PatternEngine.open(file), 'CORRUPT_STORE')
  assert.equal(fs.readFileSync(file, 'utf8'), garbage)
})

test('open validates its arguments and options', async (t) => {
  const dir = tempDir(t)
  await rejectsWith(PatternEngine.open(42), 'INVALID_ARGUMENT')
  await rejectsWith(PatternEngine.open(''), 'INVALID_ARGUMENT')
  await rejectsWith(PatternEngine.open(path.join(dir, 'a.db'), 'seed'), 'INVALID_ARGUMENT')
  await rejectsWith(PatternEngine.open(path.join(dir, 'a.db'), { config: { colour: 'red' } }), 'UNKNOWN_SETTING')
  await rejectsWith(PatternEngine.open(path.join(dir, 'missing', 'a.db')), 'STORE_ERROR')
})

test('options given to open replace the stored settings; absent ones keep them', async (t) => {
  const file = path.join(tempDir(t), 'patterns.db')
  let engine = await PatternEngine.open(file, {
    profile: 'v1',
    config: { shadowMode: true },
    safetySettings: { blacklistTopics: ['refund'] },
  })
  engine.setConfig({ thresholds: { auto: 0.9 } })
  engine.close()

  engine = await PatternEngine.open(file)
  let c = engine.getConfig()
  assert.equal(c.profile, 'v1')
  assert.equal(c.shadowMode, true)
  assert.equal(c.thresholds.auto, 0.9, 'setConfig is durable')
  assert.deepEqual(engine.getSafetySettings().blacklistTopics, ['refund'])
  engine.close()

  engine = await PatternEngine.open(file, { config: { enabled: false } })
  c = engine.getConfig()
  assert.equal(c.profile, 'seed', 'a given configuration replaces the stored one')
  assert.equal(c.enabled, false)
  assert.equal(c.shadowMode, false)
  assert.deepEqual(engine.getSafetySettings().blacklistTopics, ['refund'], 'absent options keep the stored values')
  engine.close()
})

test('bulk: a dry run reports exactly what the real run changes', async (t) => {
  const file = path.join(tempDir(t), 'patterns.db')
  const engine = await PatternEngine.open(file)
  t.after(() => engine.close())
  const low = await engine.createPattern({ triggerExamples: ['do you sell gift cards'], responseTemplate: 'Yes.', confidence: 0.3 })
  const high = await engine.createPattern({ triggerExamples: ['what are your hours'], responseTemplate: '9 to 5.', confidence: 0.9 })
  const inactive = await engine.createPattern({
    triggerExamples: ['is there parking'],
    responseTemplate: 'Yes, free.',
    confidence: 0.2,
    isActive: false,
  })

  const selection = { maxConfidence: 0.5, unusedSince: new Date(Date.now() + 60_000) }
  const preview = await engine.bulk('deactivate', selection, { dryRun: true })
  assert.equal(preview.action, 'deactivate')
  assert.equal(preview.dryRun, true)
  assert.deepEqual(
    preview.changes.map((c) => c.patternId),
    [low.id],
    'the already inactive pattern is not listed, the confident one not selected',
  )
  assert.equal(engine.pattern(low.id).isActive, true, 'a dry run changes nothing')

  const done = await engine.bulk('deactivate', selection)
  assert.equal(done.dryRun, false)
  const comparable = (changes) =>
    changes.map(({ patternId, before, after }) => ({
      patternId,
      before,
      after: { ...after, lastModified: undefined },
    }))
  assert.deepEqual(comparable(done.changes), comparable(preview.changes))
  assert.equal(done.changes[0].before.isActive, true)
  assert.equal(done.changes[0].after.isActive, false)
  assert.equal(engine.pattern(low.id).isActive, false)
  assert.equal(engine.pattern(high.id).isActive, true)
  assert.equal(engine.pattern(inactive.id).isActive, false)

  // Other selections and actions.
  const byId = await engine.bulk('delete', { ids: [high.id], provenance: 'manual' }, { dryRun: true })
  assert.deepEqual(
    byId.changes.map((c) => [c.patternId, c.after.isDeleted]),
    [[high.id, true]],
  )
  assert.equal((await engine.bulk('revoke_auto', { topic: 'no_such_topic' })).changes.length, 0)
  await rejectsWith(engine.bulk('explode', {}), 'INVALID_ARGUMENT')
  await rejectsWith(engine.bulk('delete', { provenance: 'borrowed' }), 'INVALID_ARGUMENT')
  await rejectsWith(engine.bulk('delete', { ids: [-1] }), 'INVALID_ARGUMENT')
  await rejectsWith(engine.bulk('delete', { maxConfidence: NaN }), 'INVALID_ARGUMENT')
  await rejectsWith(engine.bulk('delete'), 'INVALID_ARGUMENT')
})

test('undo: the latest change of a pattern is reverted and recorded, durably', async (t) => {
  const file = path.join(tempDir(t), 'patterns.db')
  let engine = await PatternEngine.open(file)
  const p = await engine.createPattern({ triggerExamples: ['do you sell gift cards'], responseTemplate: 'Yes.' })
  await engine.bulk('delete', { ids: [p.id] })
  const events = engine.history(p.id)
  assert.deepEqual(
    events.map((e) => e.kind),
    ['created', 'deleted'],
  )
  await rejectsWith(engine.undo(events[0].seq), 'INVALID_PATTERN') // not the latest change
  await rejectsWith(engine.undo(10_000), 'INVALID_PATTERN')
  await rejectsWith(engine.undo(-1), 'INVALID_ARGUMENT')
  const restored = await engine.undo(events[1].seq)
  assert.equal(restored.isDeleted, false)
  engine.close()

  engine = await PatternEngine.open(file)
  t.after(() => engine.close())
  assert.equal(engine.pattern(p.id).isDeleted, false)
  assert.deepEqual(
    engine.history(p.id).map((e) => e.kind),
    ['created', 'deleted', 'undone'],
  )
})

test('an in-memory engine has undo and bulk too', async () => {
  const engine = new PatternEngine()
  const p = await engine.createPattern({ triggerExamples: ['what are your hours'], responseTemplate: '9 to 5.' })
  const report = await engine.bulk('deactivate', {})
  assert.deepEqual(
    report.changes.map((c) => c.patternId),
    [p.id],
  )
  const last = engine.history(p.id).at(-1)
  assert.equal((await engine.undo(last.seq)).isActive, true)
  engine.close()
})

test('minilmDir without the minilm build feature is a typed error', async (t) => {
  // The published package is built without the cargo feature `minilm` (see the README).
  throwsWith(() => new PatternEngine({ minilmDir: 'models/all-MiniLM-L6-v2' }), 'FEATURE_NOT_ENABLED')
  const file = path.join(tempDir(t), 'patterns.db')
  await rejectsWith(PatternEngine.open(file, { minilmDir: 'models/all-MiniLM-L6-v2' }), 'FEATURE_NOT_ENABLED')
  const err = (() => {
    try {
      return new PatternEngine({ minilmDir: 'x' })
    } catch (e) {
      return e
    }
  })()
  assert.match(err.message, /lacks minilm support/)
})
