'use strict'

// Issue 27: the README's StatsD mapping of the trackRouting metrics runs as written and
// sends `routing.<action>` (counter), `routing.confidence` (histogram) and
// `routing.latency` (timer, ms) for every decision.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const { PatternEngine } = require('..')

const README = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8')
const ACTIONS = ['auto_execute', 'suggest', 'queue', 'escalate', 'shadow']

/** The js block after the README's `trackRouting` marker, as a function. */
function readmeTrackRouting() {
  const block = README.split('<!-- trackRouting:')[1].split('```js\n')[1].split('```')[0]
  return new Function(`${block}\nreturn trackRouting`)()
}

/** A StatsD client that records the wire lines it would send. */
function recordingStatsd() {
  const lines = []
  return {
    lines,
    increment: (name) => lines.push(`${name}:1|c`),
    histogram: (name, value) => lines.push(`${name}:${value}|h`),
    timing: (name, ms) => lines.push(`${name}:${ms}|ms`),
  }
}

async function waitFor(condition) {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 10))
}

test('the README maps every action to routing.<action>', () => {
  for (const action of ACTIONS) assert.ok(README.includes(`\`routing.${action}\``), action)
})

test("the README's trackRouting sends a counter, a histogram and a timer per decision", async () => {
  const engine = new PatternEngine()
  const statsd = recordingStatsd()
  const sub = readmeTrackRouting()(engine, statsd)
  const first = await engine.process('Do you sell gift cards?', { conversationId: 'c1' })
  await engine.feedback({ query: 'Do you sell gift cards?', action: 'answer', sentReply: 'Yes! Online.' })
  const second = await engine.process('do you sell gift cards', { conversationId: 'c2' })
  await waitFor(() => statsd.lines.length >= 6)
  sub.unsubscribe()

  assert.equal(statsd.lines.length, 6, statsd.lines.join('\n'))
  for (const [i, d] of [first, second].entries()) {
    const [counter, confidence, latency] = statsd.lines.slice(3 * i, 3 * i + 3)
    assert.equal(counter, `routing.${d.action}:1|c`)
    assert.equal(confidence, `routing.confidence:${d.confidence}|h`)
    const ms = Number(latency.match(/^routing\.latency:([0-9.e-]+)\|ms$/)[1])
    assert.ok(ms > 0 && ms < 1000, latency)
  }
  assert.notEqual(first.action, second.action, 'two different routing counters')
})
