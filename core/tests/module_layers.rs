//! The core's modules form layers: no import cycle between them.
//!
//! Reads the crate's source, finds every `crate::…`, `super::…` and child-module
//! path each module file uses (comments and `#[cfg(test)] mod tests` left out),
//! and looks for cycles in the graph of module files. A module that uses a path
//! through its parent (`super::X`) is part of that parent: such edges from a child
//! up to an ancestor are not counted, so a type split over several files of one
//! module is fine. Every other edge is, re-exports (`pub use child::X`) included:
//! a module that imports through another's re-export depends on what is
//! re-exported.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

type Module = Vec<String>;

#[test]
fn no_import_cycle_between_core_modules() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = module_files(&src);
    assert!(files.len() > 40, "found only {} module files", files.len());
    let modules: BTreeSet<Module> = files.keys().cloned().collect();
    let mut graph: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (module, path) in &files {
        let code = code_of(&fs::read_to_string(path).expect("readable source"));
        let edges = graph.entry(module.clone()).or_default();
        for used in used_paths(&code) {
            let Some(absolute) = absolute(module, &used, &modules) else {
                continue;
            };
            let target = deepest_module(&absolute, &modules);
            if target != *module && !module.starts_with(&target) {
                edges.insert(target);
            }
        }
    }
    let cycles = cycles(&graph);
    assert!(
        cycles.is_empty(),
        "import cycles between core modules (each group imports itself through the others):\n{}",
        cycles
            .iter()
            .map(|c| c.iter().map(name).collect::<Vec<_>>().join(" <-> "))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let m = |s: &str| -> Module { s.split("::").map(str::to_owned).collect() };
    let mut graph: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    graph.entry(m("a")).or_default().insert(m("b"));
    graph.entry(m("b")).or_default().insert(m("c::d"));
    graph.entry(m("c::d")).or_default().insert(m("a"));
    graph.entry(m("e")).or_default().insert(m("a"));
    let found = cycles(&graph);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].len(), 3);
}

/// Every module file below `src` by its module path (`lib.rs` left out).
fn module_files(src: &Path) -> BTreeMap<Module, PathBuf> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).expect("readable directory").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(src).expect("below src");
            let mut parts: Module = rel
                .iter()
                .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
                .collect();
            if parts.last().is_some_and(|p| p == "mod") {
                parts.pop();
            }
            if parts == ["lib"] {
                continue;
            }
            out.insert(parts, path);
        }
    }
    out
}

/// The code of a file without comments and without its unit-test module.
fn code_of(source: &str) -> String {
    let source = match source.find("#[cfg(test)]\nmod tests") {
        Some(i) => &source[..i],
        None => source,
    };
    source
        .lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every path the code names that starts with `crate`, `super` or `self`, or that
/// a `use` declaration starts with (a child module's name), with `{…}` groups
/// expanded one level.
fn used_paths(code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let at_word_start = i == 0 || !is_ident(bytes[i - 1] as char) && bytes[i - 1] != b':';
        if !at_word_start || !code.is_char_boundary(i) {
            i += 1;
            continue;
        }
        let before = code[..i].trim_end();
        let after_use = before.ends_with("use")
            && !before[..before.len() - 3]
                .chars()
                .next_back()
                .is_some_and(is_ident);
        let (path, end) = read_path(code, i);
        let rooted = matches!(
            path.first().map(String::as_str),
            Some("crate" | "super" | "self")
        );
        if (rooted || after_use) && !path.is_empty() {
            if code[end..].starts_with("::{") {
                let close = code[end..].find('}').map_or(code.len(), |j| end + j);
                for item in code[end + 3..close].split(',') {
                    let (tail, _) = read_path(item.trim(), 0);
                    out.push(path.iter().cloned().chain(tail).collect());
                }
            } else {
                out.push(path);
            }
        }
        i = end.max(i + 1);
    }
    out
}

/// The `::`-separated identifiers starting at byte `i`, and where they end.
fn read_path(code: &str, mut i: usize) -> (Vec<String>, usize) {
    let mut parts = Vec::new();
    loop {
        let start = i;
        while code[i..].chars().next().is_some_and(is_ident) {
            i += code[i..].chars().next().map_or(1, char::len_utf8);
        }
        if i == start {
            break;
        }
        parts.push(code[start..i].to_owned());
        if code[i..].starts_with("::") && code[i + 2..].chars().next().is_some_and(is_ident) {
            i += 2;
        } else {
            break;
        }
    }
    (parts, i)
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// `path` as written in `module` made absolute (`crate::…` without `crate`), or
/// `None` when it does not name a module of this crate.
fn absolute(module: &Module, path: &[String], modules: &BTreeSet<Module>) -> Option<Module> {
    // A `foo/mod.rs` or `foo.rs` file is module `foo`: `self` is that module,
    // `super` its parent.
    let mut base: Module = module.clone();
    let mut rest = path;
    match rest.first().map(String::as_str) {
        Some("crate") => {
            base.clear();
            rest = &rest[1..];
        }
        Some("self") => rest = &rest[1..],
        Some("super") => {
            while rest.first().is_some_and(|p| p == "super") {
                base.pop()?;
                rest = &rest[1..];
            }
        }
        _ => {
            // A bare path counts only when it names a child module.
            let child: Module = module.iter().chain(rest.first()).cloned().collect();
            if !modules.contains(&child) {
                return None;
            }
        }
    }
    Some(base.into_iter().chain(rest.iter().cloned()).collect())
}

/// The longest prefix of `path` that is a module file.
fn deepest_module(path: &Module, modules: &BTreeSet<Module>) -> Module {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|p| modules.contains(p))
        .unwrap_or_default()
}

/// Strongly connected groups of more than one module (Tarjan).
fn cycles(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    struct State<'a> {
        graph: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<&'a Module, usize>,
        low: BTreeMap<&'a Module, usize>,
        stack: Vec<&'a Module>,
        on_stack: BTreeSet<&'a Module>,
        found: Vec<Vec<Module>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a Module) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.graph.get(v).into_iter().flatten() {
            let Some((w, _)) = s.graph.get_key_value(w) else {
                continue;
            };
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut group = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                group.push(w.clone());
                if w == v {
                    break;
                }
            }
            if group.len() > 1 {
                s.found.push(group);
            }
        }
    }
    let mut state = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !state.index.contains_key(v) {
            visit(&mut state, v);
        }
    }
    state.found
}

fn name(m: &Module) -> String {
    m.join("::")
}
