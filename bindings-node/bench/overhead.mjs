// Call overhead of the binding (Node → Rust → Node), measured with a tight loop.
//
//   npm run bench            (after `npm run build`, i.e. a release build)
//
// Rows: a native call that does nothing; one that only converts a string argument;
// generateSignature called on the native module and through the package (the
// JavaScript facade adds argument checks and error mapping); the same signature
// computed inside Rust (no boundary); processSync on a small engine and the same
// process call inside Rust. Overhead = (call through the package) − (work inside
// Rust). Design target: ≤ 5 µs.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const native = require('../native.js')
const pl = require('../index.js')
const { nativeOf: nativeEngine } = require('../lib/engine.js')

const MESSAGE = 'Do you sell gift cards?'

function bench(name, fn, iterations = 1_000_000) {
  for (let i = 0; i < Math.min(iterations, 100_000); i++) fn() // warm-up
  let best = Infinity
  for (let round = 0; round < 5; round++) {
    const start = process.hrtime.bigint()
    for (let i = 0; i < iterations; i++) fn()
    const ns = Number(process.hrtime.bigint() - start) / iterations
    best = Math.min(best, ns)
  }
  return { name, ns: best }
}

const engine = new pl.PatternEngine()
for (const q of ['do you sell gift cards', 'can i buy a gift card', 'are gift cards available']) {
  await engine.feedback({ query: q, action: 'answer', sentReply: 'Yes, online.' })
}
await engine.feedback({ query: 'is the trackman frozen', action: 'answer', sentReply: 'Resetting it now.' })

const rows = [
  bench('native no-op call  __benchNoop()', () => native.__benchNoop()),
  bench('native no-op call with a string argument', () => native.__benchNoopString(MESSAGE)),
  bench('native generateSignature(message)', () => native.generateSignature(MESSAGE)),
  bench('package generateSignature(message)', () => pl.generateSignature(MESSAGE)),
  { name: 'generateSignature work inside Rust (no boundary)', ns: native.__benchSignatureNs(MESSAGE, 2_000_000) },
  // Without a conversation id: no per-conversation guard state grows during the loop.
  bench('package engine.processSync(message)', () => engine.processSync(MESSAGE), 50_000),
  { name: 'engine.process work inside Rust (no boundary)', ns: native.__benchProcessNs(nativeEngine(engine), MESSAGE, '', 50_000) },
]

const rust = rows[4].ns
const processOverhead = rows[5].ns - rows[6].ns
const width = Math.max(...rows.map((r) => r.name.length))
console.log(`node ${process.version}, ${process.arch}; best of 5 rounds, ns per call`)
for (const { name, ns } of rows) console.log(`${name.padEnd(width)}  ${ns.toFixed(0).padStart(7)} ns`)
console.log(
  `overhead of a synchronous call through the package: ${(rows[3].ns - rust).toFixed(0)} ns ` +
    `(= package generateSignature − Rust work); bare boundary: ${rows[0].ns.toFixed(0)} ns; target ≤ 5000 ns`,
)
console.log(
  `overhead of processSync (arguments in, Decision object out): ${processOverhead.toFixed(0)} ns ` +
    `(= package processSync − Rust process)`,
)
