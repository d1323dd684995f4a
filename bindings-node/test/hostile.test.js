'use strict'

// Hostile input: every exported function and every PatternEngine method is fed wrong
// types, undefined, huge strings, lone surrogates, NaN, throwing getters and the like.
// The process must survive, and every failure must be a PatternLearningError (or the
// caller's own error, re-thrown unchanged). V1's never-throw functions must resolve.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const pl = require('..')
const { PatternEngine, PatternLearningError, createV1Service } = pl

class CallerError extends Error {}

const HUGE = 'x'.repeat(4 * 1024 * 1024)
const throwingGetter = Object.defineProperty({}, 'conversationId', {
  enumerable: true,
  get() {
    throw new CallerError('getter')
  },
})
const throwingProxy = new Proxy(
  {},
  {
    get() {
      throw new CallerError('proxy')
    },
    ownKeys() {
      throw new CallerError('proxy')
    },
  },
)
let deep = {}
for (let i = 0; i < 5000; i++) deep = { a: deep }

const HOSTILE = [
  undefined,
  null,
  0,
  -1,
  1.5,
  NaN,
  Infinity,
  2 ** 60,
  10n,
  true,
  '',
  ' ',
  '\ud800',
  'a\udfff\ud800b',
  '\u0000\u0085\u2028',
  '🙂'.repeat(1000),
  HUGE,
  [],
  [1, 'a', null],
  {},
  { query: 5, triggerExamples: 'x', responseTemplate: NaN, embedding: 'v' },
  { embedding: new Float32Array([NaN, Infinity]) },
  { embeddings: [new Float32Array(0)], triggerExamples: ['a b'], responseTemplate: 'c' },
  { variables: 5 },
  { config: { thresholds: { auto: NaN } } },
  deep,
  () => {},
  Symbol('s'),
  new Float32Array(3),
  new Date(0),
  throwingGetter,
  throwingProxy,
]

function checkError(err, where) {
  if (err instanceof CallerError) return
  assert.ok(err instanceof PatternLearningError, `${where}: ${err && err.stack}`)
  assert.equal(typeof err.code, 'string', where)
  assert.notEqual(err.code, 'INTERNAL', `${where}: ${err.message}`)
}

async function probe(name, fn) {
  let result
  try {
    result = fn()
  } catch (err) {
    checkError(err, name)
    return
  }
  if (result && typeof result.then === 'function') {
    try {
      await result
    } catch (err) {
      checkError(err, name)
    }
  }
}

function describe(v) {
  if (typeof v === 'string') return v.length > 20 ? `string(${v.length})` : JSON.stringify(v)
  if (typeof v === 'bigint') return `${v}n`
  if (typeof v === 'symbol') return 'symbol'
  if (typeof v === 'function') return 'function'
  if (v === throwingProxy) return 'proxy'
  return Object.prototype.toString.call(v)
}

/** Calls `fn` with each hostile value in each of `arity` positions (others valid). */
async function fuzz(name, fn, valid) {
  for (const h of HOSTILE) {
    await probe(`${name}(${describe(h)})`, () => fn(h))
    for (let i = 0; i < valid.length; i++) {
      const args = valid.slice()
      args[i] = h
      await probe(`${name}[arg ${i} = ${describe(h)}]`, () => fn(...args))
    }
  }
}

const functions = {
  generateSignature: ['hello'],
  signature: ['hello'],
  detectMessageTopic: ['hello'],
  getTopicLabel: ['booking'],
  isSameTopic: ['booking', 'hours'],
  getAvailableTopics: [],
  getDefaultSentimentPatterns: [],
  checkMessageSafety: ['hello', 'c', '+1'],
  getSafetyThresholds: [],
  updateSafetyThresholds: [{ aiResponseLimit: 3 }],
  resetSentimentPatterns: [],
  getSettings: [],
  updateSettings: [{ approvalThreshold: 10 }],
  getConfig: [],
  createV1Service: [{ logger: null }],
}

test('module-level functions survive hostile input', async () => {
  for (const [name, valid] of Object.entries(functions)) {
    await fuzz(name, pl[name], valid)
  }
})

test('PatternEngine methods survive hostile input', async () => {
  const engine = new PatternEngine()
  const p = await engine.createPattern({ triggerExamples: ['do you sell gift cards'], responseTemplate: 'Yes.' })
  const methods = {
    process: ['hello', { conversationId: 'c' }],
    processSync: ['hello', { conversationId: 'c' }],
    feedback: [{ query: 'hello there', action: 'answer', sentReply: 'hi!' }],
    recordOperatorMessage: ['c', 'hello'],
    createPattern: [{ triggerExamples: ['a b'], responseTemplate: 'c' }],
    updatePattern: [p.id, { confidence: 0.5 }],
    setActive: [p.id, true],
    setAutoExecutable: [p.id, false],
    deletePattern: [p.id],
    restorePattern: [p.id],
    pattern: [p.id],
    patterns: [{}],
    history: [p.id],
    getConfig: [],
    setConfig: [{ shadowMode: false }],
    checkMessageSafety: ['hello'],
    getSafetyThresholds: [],
    updateSafetyThresholds: [{ aiResponseLimit: 3 }],
    resetSentimentRules: [],
    getSafetySettings: [],
    updateSafetySettings: [{ approvalThreshold: 10 }],
    undo: [1],
    bulk: ['deactivate', { ids: [p.id + 1000] }, { dryRun: true }],
    metrics: [],
    prometheus: [],
    explainConfig: [],
    subscribe: [() => {}, 16],
  }
  const names = Object.getOwnPropertyNames(PatternEngine.prototype).filter(
    (n) => n !== 'constructor' && typeof Object.getOwnPropertyDescriptor(PatternEngine.prototype, n).value === 'function',
  )
  // `close` is fuzzed below, on engines of its own.
  assert.deepEqual(names.sort(), [...Object.keys(methods), 'close'].sort(), 'every method is fuzzed')
  for (const [name, valid] of Object.entries(methods)) {
    await fuzz(`engine.${name}`, (...args) => engine[name](...args), valid)
  }
  await fuzz('new PatternEngine', (o) => new PatternEngine(o), [{}])
  // The engine still works.
  const d = await engine.process('do you sell gift cards')
  assert.equal(typeof d.action, 'string')

  // close() takes no argument and ignores any; every method of a closed engine fails
  // with ENGINE_CLOSED (or INVALID_ARGUMENT when its arguments are wrong anyway).
  for (const h of HOSTILE) {
    const closing = new PatternEngine()
    await probe(`engine.close(${describe(h)})`, () => closing.close(h))
    assert.equal(closing.closed, true)
  }
  const closed = new PatternEngine()
  closed.close()
  for (const [name, valid] of Object.entries(methods)) {
    await assert.rejects(
      (async () => closed[name](...valid))(),
      (err) => err instanceof PatternLearningError && err.code === 'ENGINE_CLOSED',
      name,
    )
    await fuzz(`closed.${name}`, (...args) => closed[name](...args), valid)
  }
})

test('PatternEngine.open survives hostile input', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pl-hostile-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'patterns.db')
  const opened = []
  const open = (...args) => {
    const promise = PatternEngine.open(...args)
    return promise.then((engine) => {
      opened.push(engine)
      engine.close()
      return engine
    })
  }
  // Strings are not fuzzed as paths: they would create files in the working directory.
  for (const h of HOSTILE.filter((v) => typeof v !== 'string')) {
    await probe(`PatternEngine.open(${describe(h)})`, () => open(h))
  }
  for (const h of HOSTILE) {
    await probe(`PatternEngine.open(file, ${describe(h)})`, () => open(file, h))
  }
  await probe('PatternEngine.open(HUGE)', () => open(path.join(dir, HUGE)))
  assert.ok(opened.length > 0, 'valid options open the store')
  const engine = await PatternEngine.open(file)
  assert.equal(engine.durable, true)
  engine.close()
})

test("V1's never-throw functions resolve whatever they are given", async () => {
  const service = createV1Service({ logger: null })
  for (const name of ['processMessage', 'learnFromHumanResponse', 'recordOperatorResponse']) {
    for (const h of HOSTILE) {
      for (let i = 0; i < 6; i++) {
        const args = ['Do you sell gift cards?', 'a reply', '+1', 'conv', 'op', undefined]
        args[i] = h
        const result = await service[name](...args)
        assert.equal(typeof result, 'object', `${name}[${i}] = ${describe(h)}`)
      }
    }
  }
  const r = await service.processMessage(HUGE, '+1', 'c')
  assert.equal(r.action, 'escalate')
  assert.equal(r.reason, 'message_too_long')
})

test('lone surrogates and huge strings give defined results', async () => {
  assert.equal(pl.generateSignature('\ud800abc'), pl.generateSignature('abc'))
  assert.equal(pl.detectMessageTopic(HUGE), 'general')
  assert.equal(pl.generateSignature(HUGE).length, 32)
  const engine = new PatternEngine()
  const d = await engine.process('\udfff the trackman is frozen \ud800')
  assert.equal(d.topic, 'tech_support')
  await assert.rejects(
    engine.feedback({ query: '\ud800', action: 'answer', sentReply: 'ok' }),
    (e) => e.code === 'INVALID_FEEDBACK',
  )
})
