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
    refresh: [],
    eraseCustomer: [{ conversationId: 'c' }],
    applyRetention: [],
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

// ---- The hostile-input matrix (RELIABILITY.md): one assertion per row. ----

const MB = 1000 * 1000
const TEMPLATE = 'Hi {{customer_name|there}}, tap Guest on the login screen.'
const LOGIN_PHRASINGS = [
  "i can't log in to the trackman",
  "the qr code won't log us in",
  'cant login on the simulator',
  'trackman login is not working',
  'qr login failed',
]

/** An engine whose pattern auto-sends TEMPLATE for LOGIN_PHRASINGS[0] (loose gates, no approval rule). */
async function autoSending() {
  const engine = new PatternEngine()
  const p = await engine.createPattern({
    triggerExamples: LOGIN_PHRASINGS,
    responseTemplate: TEMPLATE,
    confidence: 1,
    autoExecutable: true,
  })
  engine.setConfig({ gates: { neighbours: 1, minMargin: 0, minSupport: 1 } })
  engine.updateSafetySettings({ requireApprovalForNew: false })
  for (const q of LOGIN_PHRASINGS) {
    await engine.feedback({ query: `${q}!`, action: 'approve', patternId: p.id })
  }
  const check = await engine.process(LOGIN_PHRASINGS[0], { conversationId: 'fixture', customerName: 'Sam' })
  assert.equal(check.action, 'auto_execute', JSON.stringify(check))
  return { engine, id: p.id }
}

function expectCode(fn, codes) {
  assert.throws(fn, (err) => {
    assert.ok(err instanceof PatternLearningError, `not a PatternLearningError: ${err}`)
    assert.ok(codes.includes(err.code), `${err.code}: ${err.message}`)
    return true
  })
}

test('matrix: empty, whitespace, control-only and emoji-only messages are silent hand-offs', async () => {
  const engine = new PatternEngine()
  for (const [i, text] of ['', ' ', '\t\n\r', '\u3000\u00a0', '\u0000\u0001\u001b\u007f', '🙂👍'].entries()) {
    const d = await engine.process(text, { conversationId: `m${i}` })
    assert.equal(d.action, 'escalate', JSON.stringify(text))
    assert.equal(d.reason, 'empty_message', JSON.stringify(text))
    assert.equal(d.outbound, undefined)
  }
})

test('matrix: 1 MB and 10 MB messages are message_too_long', async () => {
  const engine = new PatternEngine()
  for (const text of ['gift cards '.repeat(MB / 10), 'x'.repeat(10 * MB)]) {
    const d = await engine.process(text)
    assert.equal(d.reason, 'message_too_long')
    assert.equal(d.outbound, undefined)
  }
  // 1 MB replies and examples are refused with a typed error.
  await rejectsCode(engine.createPattern({ triggerExamples: ['a b'], responseTemplate: 'x'.repeat(MB) }), ['TEXT_TOO_LONG'])
  await rejectsCode(engine.feedback({ query: 'x'.repeat(10 * MB), action: 'answer', sentReply: 'ok' }), ['TEXT_TOO_LONG'])
})

async function rejectsCode(promise, codes) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof PatternLearningError, `not a PatternLearningError: ${err}`)
    assert.ok(codes.includes(err.code), `${err.code}: ${err.message}`)
    return true
  })
}

test('matrix: NUL, control characters, lone surrogates, combining marks and RTL still reach the pattern', async () => {
  const { engine, id } = await autoSending()
  const variants = [
    "i can't\u0000log in\u0007 to the\u001btrackman",
    "\ud800i can't log in to the trackman\udfff",
    'ｉ ｃａｎ\'ｔ ｌｏｇ ｉｎ ｔｏ ｔｈｅ ｔｒａｃｋｍａｎ',
    "\u202ei can't log in to the trackman\u202c",
    "i can't log in to the trackman 🙂🏌️‍♂️",
  ]
  for (const [i, text] of variants.entries()) {
    const d = await engine.process(text, { conversationId: `v${i}` })
    assert.equal(d.patternId, id, JSON.stringify(text))
  }
  // Semantic retrieval always finds a nearest example; an unrelated message gets it
  // only as a low-confidence hand-off, never as a reply.
  const rtl = await engine.process('مرحبا هل تبيعون بطاقات الهدايا', { conversationId: 'rtl' })
  assert.equal(rtl.action, 'escalate')
  assert.ok(rtl.confidence < 0.4, String(rtl.confidence))
  assert.equal(rtl.outbound, undefined)
})

test('matrix: SQL and template injection are plain text; nothing expands, nothing is polluted', async () => {
  const { engine } = await autoSending()
  const sql = await engine.process("'; DROP TABLE patterns; --", { conversationId: 's1' })
  assert.equal(sql.outbound, undefined)
  for (const [i, name] of ['{{constructor}}', '{{__proto__}}', '{{customer_name}}', '{{'].entries()) {
    const d = await engine.process(LOGIN_PHRASINGS[0], { conversationId: `t${i}`, customerName: name })
    assert.equal(d.outbound, undefined, `${name}: ${JSON.stringify(d)}`)
    assert.notEqual(d.action, 'auto_execute')
  }
  const ok = await engine.process(LOGIN_PHRASINGS[0], { conversationId: 't-ok', customerName: 'Sam' })
  assert.deepEqual(ok.outbound, { text: 'Hi Sam, tap Guest on the login screen.', kind: 'reply' })
  // Stored verbatim, returned verbatim.
  const p = await engine.createPattern({ triggerExamples: ["robert'); drop table students"], responseTemplate: "'; DROP TABLE patterns; --" })
  assert.equal(engine.pattern(p.id).responseTemplate, "'; DROP TABLE patterns; --")
  // A __proto__ key in options is an unknown key, and pollutes nothing.
  expectCode(() => new PatternEngine(JSON.parse('{"config": {"__proto__": {"enabled": false}}}')), ['INVALID_CONFIG', 'UNKNOWN_SETTING', 'PARSE_ERROR', 'INVALID_ARGUMENT'])
  expectCode(() => engine.setConfig(JSON.parse('{"constructor": {"prototype": {"polluted": 1}}}')), ['INVALID_CONFIG', 'UNKNOWN_SETTING', 'PARSE_ERROR', 'INVALID_ARGUMENT'])
  assert.equal({}.polluted, undefined)
  assert.equal(engine.getConfig().enabled, true)
})

test('matrix: NaN and infinite thresholds are INVALID_ARGUMENT, negative ones INVALID_CONFIG', () => {
  // NaN and ±Infinity cannot be carried into the JSON config: refused at conversion.
  for (const auto of [NaN, Infinity, -Infinity]) {
    expectCode(() => new PatternEngine({ config: { thresholds: { auto } } }), ['INVALID_ARGUMENT'])
  }
  expectCode(() => new PatternEngine({ config: { thresholds: { queue: -0.1 } } }), ['INVALID_CONFIG', 'THRESHOLDS_OUT_OF_ORDER'])
  expectCode(() => new PatternEngine({ config: { thresholds: { auto: 1.5 } } }), ['INVALID_CONFIG', 'THRESHOLDS_OUT_OF_ORDER'])
  const engine = new PatternEngine()
  expectCode(() => engine.setConfig({ thresholds: { auto: NaN } }), ['INVALID_ARGUMENT'])
  expectCode(() => engine.updateSafetyThresholds({ aiResponseLimit: -3 }), ['INVALID_CONFIG'])
  assert.equal(engine.getConfig().thresholds.auto, 0.85, 'a refused change changes nothing')
})

test('matrix: unknown config keys and wrong argument types are typed errors', () => {
  const engine = new PatternEngine()
  expectCode(() => engine.setConfig({ thresholds: { autoo: 0.9 } }), ['INVALID_CONFIG', 'UNKNOWN_SETTING', 'PARSE_ERROR', 'INVALID_ARGUMENT'])
  expectCode(() => engine.setConfig({ noSuchKey: true }), ['INVALID_CONFIG', 'UNKNOWN_SETTING', 'PARSE_ERROR', 'INVALID_ARGUMENT'])
  expectCode(() => engine.updateSafetySettings({ noSuchKey: 1 }), ['UNKNOWN_SETTING'])
  expectCode(() => engine.setConfig({ thresholds: { auto: 'high' } }), ['INVALID_CONFIG', 'PARSE_ERROR', 'INVALID_ARGUMENT'])
  expectCode(() => engine.processSync(5), ['INVALID_ARGUMENT'])
  expectCode(() => engine.processSync('hi', { conversationId: 5 }), ['INVALID_ARGUMENT'])
  expectCode(() => engine.processSync({ text: 'hi' }), ['INVALID_ARGUMENT'])
})
