'use strict'

// Where the package has no native module (another OS or CPU, musl, a glibc older than
// 2.17), requiring it fails with an error that names the platform and the commands
// that build the package from source, not napi's note about npm's optional
// dependencies.

const test = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const path = require('node:path')

const { BUILD_FROM_SOURCE, nativeModuleUnavailable } = require('../lib/platform.js')
const { version } = require('../package.json')

const PACKAGE = path.join(__dirname, '..')

test('a native module that cannot load gives the build-from-source commands', () => {
  // napi's loader tries only NAPI_RS_NATIVE_LIBRARY_PATH when it is set: a missing
  // file there is what a platform without a prebuilt module sees.
  const child = spawnSync(
    process.execPath,
    ['-e', `try { require(${JSON.stringify(PACKAGE)}) } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message, cause: String(e.cause) })) }`],
    { env: { ...process.env, NAPI_RS_NATIVE_LIBRARY_PATH: path.join(PACKAGE, 'no-such-module.node') }, encoding: 'utf8' },
  )
  assert.equal(child.status, 0, child.stderr)
  const error = JSON.parse(child.stdout)
  assert.equal(error.code, 'ERR_PATTERN_LEARNING_NATIVE_MODULE')
  assert.match(error.message, new RegExp(`on ${process.platform}-${process.arch}`))
  assert.match(error.message, /ships one for Linux x86_64 \(glibc 2\.17 or newer\) only/)
  for (const line of BUILD_FROM_SOURCE) assert.ok(error.message.includes(line), line)
  assert.ok(error.message.includes(`clubos-pattern-learning-${version}.tgz`))
  assert.match(error.message, /Why it failed: Cannot find module '.*no-such-module\.node'/)
  assert.doesNotMatch(error.message, /optional dependencies/)
  assert.match(error.cause, /Cannot find native binding/)
})

test('the error keeps the loader error as its cause', () => {
  const failure = new Error("/lib64/libc.so.6: version `GLIBC_2.17' not found")
  const cause = Object.assign(new Error('Cannot find native binding.'), { cause: failure })
  const error = nativeModuleUnavailable(cause)
  assert.equal(error.cause, cause)
  assert.ok(error.message.endsWith(`Why it failed: ${failure.message}`), error.message)
})
