'use strict'

/**
 * Loads the native module, or explains what to do where the package has none.
 *
 * The npm package ships one prebuilt native module: Linux x86_64 with glibc 2.17 or
 * newer. Anywhere else napi's loader (`native.js`) fails with a message about npm's
 * optional dependencies, which is not the cause here; this file replaces it with one
 * that names the platform and the command that builds the package from source.
 */

const { version } = require('../package.json')

const SHIPPED = 'Linux x86_64 (glibc 2.17 or newer)'
const REPOSITORY = 'https://github.com/clubos/pattern-learning'
/** The commands that build and install the package from source, one a line. */
const BUILD_FROM_SOURCE = [
  `git clone ${REPOSITORY} pattern-learning`,
  'cd pattern-learning/bindings-node && npm ci && npm run build && npm pack',
  `cd /your/app && npm install /path/to/pattern-learning/bindings-node/clubos-pattern-learning-${version}.tgz`,
]

/** The running platform in words, e.g. `linux-arm64 (glibc 2.31)` or `darwin-arm64`. */
function describePlatform() {
  const name = `${process.platform}-${process.arch}`
  if (process.platform !== 'linux') return name
  const header = process.report?.getReport?.().header ?? {}
  return header.glibcVersionRuntime ? `${name} (glibc ${header.glibcVersionRuntime})` : `${name} (not glibc: musl?)`
}

/**
 * What went wrong for each file the loader tried (`error.cause` chain of napi's
 * loader), without its top message, which blames npm's optional dependencies.
 */
function loadFailures(error) {
  const failures = []
  for (let e = error && error.cause; e; e = e.cause) failures.push(String(e.message).split('\n')[0])
  return failures.length > 0 ? failures : [String(error && error.message)]
}

/** The error a user on a platform without a prebuilt module gets, with its cause. */
function nativeModuleUnavailable(cause) {
  const error = new Error(
    `@clubos/pattern-learning could not load its native module on ${describePlatform()}, ` +
      `Node ${process.versions.node}. The npm package ships one for ${SHIPPED} only. ` +
      'Build the package from source (needs cargo: https://rustup.rs) and install the tarball:\n' +
      BUILD_FROM_SOURCE.map((line) => `  ${line}`).join('\n') +
      `\nWhy it failed: ${loadFailures(cause).join('; ')}`,
  )
  error.code = 'ERR_PATTERN_LEARNING_NATIVE_MODULE'
  error.cause = cause
  return error
}

/** `native.js`'s exports; throws `nativeModuleUnavailable` when it cannot load. */
function loadNative() {
  try {
    return require('../native.js')
  } catch (cause) {
    throw nativeModuleUnavailable(cause)
  }
}

module.exports = { loadNative, nativeModuleUnavailable, BUILD_FROM_SOURCE }
