//! The crate's module graph is acyclic, and the search structures, random
//! streams and special functions know nothing of the estimator families.
//!
//! The sources are read from `src/` and every reference from one module to
//! another is collected: `use` trees and path expressions that start with
//! `crate::`, `super::`, `self::` or the name of a child module. An edge
//! goes to the deepest module (one per file) that the path names. Inline
//! modules (`mod tests { .. }`) are resolved for `super::` and count as
//! part of their file's module.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The estimator families: public, built on the rest.
const FAMILIES: [&str; 10] = ["knn", "te", "mec", "markov", "prep", "discrete", "ross", "mixed", "select", "lnc"];

/// Modules that must not use any family.
const FOUNDATIONS: [&str; 4] = ["search", "random", "special", "error"];

type Module = Vec<String>;

/// Module path of a source file relative to `src/`: `lib.rs` is the root,
/// `a/mod.rs` and `a.rs` are `a`, `a/b.rs` is `a::b`.
fn module_of(rel: &Path) -> Module {
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let file = parts.pop().expect("a file name");
    let stem = file.trim_end_matches(".rs");
    if stem != "lib" && stem != "mod" {
        parts.push(stem.to_string());
    }
    parts
}

fn name(m: &[String]) -> String {
    if m.is_empty() {
        "crate".to_string()
    } else {
        m.join("::")
    }
}

/// The source with comments removed and string and char literals emptied,
/// so that only code remains (lifetimes are kept).
fn code_only(src: &str) -> String {
    let c: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < c.len() {
        if c[i] == '/' && c.get(i + 1) == Some(&'/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if c[i] == '/' && c.get(i + 1) == Some(&'*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if c[i] == 'r'
            && (c.get(i + 1) == Some(&'"') || c.get(i + 1) == Some(&'#'))
            && (i == 0 || !is_ident(c[i - 1]))
        {
            // raw string r#".."#
            let mut j = i + 1;
            let mut hashes = 0;
            while c.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if c.get(j) != Some(&'"') {
                out.push(c[i]);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= c.len() {
                    break;
                }
                if c[j] == '"' && (0..hashes).all(|h| c.get(j + 1 + h) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j;
        } else if c[i] == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                i += if c[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if c[i] == '\'' {
            // a char literal ('x', '\n', '\u{..}') or a lifetime ('a)
            if c.get(i + 1) == Some(&'\\') {
                let mut j = i + 2;
                while j < c.len() && c[j] != '\'' {
                    j += 1;
                }
                i = j + 1;
                out.push_str("' '");
            } else if c.get(i + 2) == Some(&'\'') {
                i += 3;
                out.push_str("' '");
            } else {
                out.push(c[i]);
                i += 1;
            }
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

fn is_ident(ch: char) -> bool {
    ch.is_alphanumeric() || ch == '_'
}

/// Byte ranges of the inline modules `mod name { .. }` of `code`, with
/// their names, outermost first.
fn inline_modules(code: &str) -> Vec<(usize, usize, String)> {
    let b = code.as_bytes();
    let mut found = Vec::new();
    let mut open: Vec<(usize, usize, String)> = Vec::new(); // (start, depth, name)
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        let at_word = i == 0 || !is_ident(b[i - 1] as char);
        if at_word && code[i..].starts_with("mod ") {
            let rest = &code[i + 4..];
            let ident: String = rest.trim_start().chars().take_while(|&ch| is_ident(ch)).collect();
            let after = rest.trim_start()[ident.len()..].trim_start();
            if !ident.is_empty() && after.starts_with('{') {
                // the brace is counted when the scan reaches it
                let brace = i + 4 + (rest.len() - after.len());
                open.push((i, depth + 1, ident));
                depth += 1;
                i = brace + 1;
                continue;
            }
        }
        match b[i] {
            b'{' => depth += 1,
            b'}' => {
                if let Some(top) = open.last() {
                    if top.1 == depth {
                        let (start, _, n) = open.pop().expect("an open module");
                        found.push((start, i, n));
                    }
                }
                depth = depth.saturating_sub(1);
            }
            _ => {}
        }
        i += 1;
    }
    found.sort();
    found
}

/// The paths of one `use` tree (the text between `use` and `;`).
fn expand_use(tree: &str) -> Vec<Vec<String>> {
    // drop aliases (`path as name`: they rename items, not modules), then blanks
    let mut t = String::new();
    let mut words = tree.split_whitespace();
    while let Some(w) = words.next() {
        if w == "as" {
            let alias = words.next().unwrap_or("");
            t.extend(alias.chars().skip_while(|&c| is_ident(c)));
        } else {
            t.push_str(w);
        }
    }
    expand(&t)
}

fn split_top(s: &str) -> Vec<&str> {
    let (mut parts, mut depth, mut from) = (Vec::new(), 0, 0);
    for (i, ch) in s.char_indices() {
        match ch {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&s[from..i]);
                from = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[from..]);
    parts.into_iter().filter(|p| !p.is_empty()).collect()
}

fn expand(t: &str) -> Vec<Vec<String>> {
    if let Some(inner) = t.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
        return split_top(inner).into_iter().flat_map(expand).collect();
    }
    if let Some(i) = t.find("::{") {
        let prefix: Vec<String> = t[..i].split("::").map(str::to_string).collect();
        return expand(&t[i + 2..]).into_iter().map(|tail| prefix.iter().cloned().chain(tail).collect()).collect();
    }
    vec![t.split("::").filter(|s| *s != "*" && !s.is_empty()).map(str::to_string).collect()]
}

/// Resolve a path used in module `at` to an absolute path from the crate
/// root, or `None` for another crate (std, rayon).
fn absolute(path: &[String], at: &[String], children: &BTreeSet<String>) -> Option<Vec<String>> {
    let first = path.first()?;
    let mut base: Vec<String> = at.to_vec();
    let mut rest = path;
    match first.as_str() {
        "crate" => {
            base.clear();
            rest = &path[1..];
        }
        "self" => rest = &path[1..],
        "super" => {
            while rest.first().map(String::as_str) == Some("super") {
                base.pop()?;
                rest = &rest[1..];
            }
        }
        s if children.contains(s) => {}
        _ => return None,
    }
    Some(base.into_iter().chain(rest.iter().filter(|s| s.as_str() != "self").cloned()).collect())
}

/// The deepest known (file) module that `path` lies in.
fn target(path: &[String], modules: &BTreeSet<Module>) -> Module {
    (0..=path.len()).rev().map(|l| path[..l].to_vec()).find(|m| modules.contains(m)).unwrap_or_default()
}

/// Module -> the modules it references, from (path relative to `src/`, source) pairs.
fn graph(files: &[(String, String)]) -> BTreeMap<Module, BTreeSet<Module>> {
    let modules: BTreeSet<Module> = files.iter().map(|(p, _)| module_of(Path::new(p))).collect();
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = modules.iter().map(|m| (m.clone(), BTreeSet::new())).collect();
    for (p, src) in files {
        let file_mod = module_of(Path::new(p));
        let code = code_only(src);
        let inline = inline_modules(&code);
        let module_at = |pos: usize| -> Module {
            let mut m = file_mod.clone();
            m.extend(inline.iter().filter(|(s, e, _)| *s <= pos && pos <= *e).map(|(_, _, n)| n.clone()));
            m
        };
        let children_of = |m: &Module| -> BTreeSet<String> {
            let mut c: BTreeSet<String> = modules
                .iter()
                .filter(|x| x.len() == m.len() + 1 && x.starts_with(m))
                .map(|x| x[m.len()].clone())
                .collect();
            c.extend(inline.iter().map(|(_, _, n)| n.clone()));
            c
        };
        let mut add = |pos: usize, path: &[String]| {
            let at = module_at(pos);
            if let Some(abs) = absolute(path, &at, &children_of(&at)) {
                let to = target(&abs, &modules);
                if to != file_mod {
                    edges.get_mut(&file_mod).expect("a known module").insert(to);
                }
            }
        };
        let b = code.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let at_word = i == 0 || !(is_ident(b[i - 1] as char) || b[i - 1] == b':');
            if at_word && code[i..].starts_with("use ") {
                let end = code[i..].find(';').map_or(code.len(), |e| i + e);
                for path in expand_use(&code[i + 4..end]) {
                    add(i, &path);
                }
                i = end;
                continue;
            }
            if at_word && is_ident(b[i] as char) {
                let ident: String = code[i..].chars().take_while(|&c| is_ident(c)).collect();
                let mut j = i + ident.len();
                if code[j..].starts_with("::") {
                    let mut path = vec![ident.clone()];
                    while code[j..].starts_with("::") {
                        let seg: String = code[j + 2..].chars().take_while(|&c| is_ident(c)).collect();
                        if seg.is_empty() {
                            break;
                        }
                        j += 2 + seg.len();
                        path.push(seg);
                    }
                    add(i, &path);
                    i = j;
                    continue;
                }
                i += ident.len();
                continue;
            }
            i += 1;
        }
    }
    edges
}

/// The same graph with every module folded into its top-level module.
fn top_level(g: &BTreeMap<Module, BTreeSet<Module>>) -> BTreeMap<Module, BTreeSet<Module>> {
    let top = |m: &Module| m.iter().take(1).cloned().collect::<Module>();
    let mut out: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (from, tos) in g {
        let f = top(from);
        let entry = out.entry(f.clone()).or_default();
        entry.extend(tos.iter().map(top).filter(|t| *t != f));
    }
    out
}

/// A cycle of `g` (its modules in order), if there is one.
fn find_cycle(g: &BTreeMap<Module, BTreeSet<Module>>) -> Option<Vec<Module>> {
    // 0 unvisited, 1 on the stack, 2 done
    fn visit(
        m: &Module,
        g: &BTreeMap<Module, BTreeSet<Module>>,
        state: &mut BTreeMap<Module, u8>,
        stack: &mut Vec<Module>,
    ) -> Option<Vec<Module>> {
        state.insert(m.clone(), 1);
        stack.push(m.clone());
        for t in g.get(m).into_iter().flatten() {
            match state.get(t).copied().unwrap_or(0) {
                1 => {
                    let from = stack.iter().position(|s| s == t).expect("on the stack");
                    let mut cycle = stack[from..].to_vec();
                    cycle.push(t.clone());
                    return Some(cycle);
                }
                0 => {
                    if let Some(c) = visit(t, g, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(m.clone(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for m in g.keys() {
        if state.get(m).copied().unwrap_or(0) == 0 {
            if let Some(c) = visit(m, g, &mut state, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

fn show(cycle: &[Module]) -> String {
    cycle.iter().map(|m| name(m)).collect::<Vec<_>>().join(" -> ")
}

fn crate_sources() -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let mut dirs = vec![src.clone()];
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(&d).expect("readable src") {
            let p = entry.expect("a directory entry").path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|e| e == "rs") {
                let rel = p.strip_prefix(&src).expect("under src").to_string_lossy().replace('\\', "/");
                files.push((rel, std::fs::read_to_string(&p).expect("readable source")));
            }
        }
    }
    files.sort();
    files
}

fn m(s: &str) -> Module {
    if s == "crate" {
        Vec::new()
    } else {
        s.split("::").map(str::to_string).collect()
    }
}

#[test]
fn module_graph_is_acyclic() {
    let g = graph(&crate_sources());
    if let Some(c) = find_cycle(&g) {
        panic!("module cycle: {}", show(&c));
    }
    if let Some(c) = find_cycle(&top_level(&g)) {
        panic!("cycle between top-level modules: {}", show(&c));
    }
}

#[test]
fn foundations_do_not_use_the_families() {
    let top = top_level(&graph(&crate_sources()));
    for f in FOUNDATIONS {
        let uses = top.get(&m(f)).unwrap_or_else(|| panic!("module {f} not found"));
        for family in FAMILIES {
            assert!(!uses.contains(&m(family)), "{f} uses the family {family}");
        }
    }
}

/// The parser sees the dependencies the layout is built on, so the two
/// tests above cannot pass by seeing nothing.
#[test]
fn known_dependencies_are_seen() {
    let g = graph(&crate_sources());
    let top = top_level(&g);
    for (from, to) in
        [("te", "knn"), ("knn", "search"), ("prep", "random"), ("te", "random"), ("knn", "special"), ("mec", "crate")]
    {
        assert!(top[&m(from)].contains(&m(to)), "{from} -> {to} not seen: {:?}", top[&m(from)]);
    }
    for (from, to) in [
        ("te::surrogates", "te::lists"),
        ("te::lists", "te::single"),
        ("te", "te::single"),
        ("search::kdtree", "search"),
        ("search::grid", "search::sorted"),
        ("search::grid3", "search::topk"),
        ("crate", "error"),
    ] {
        assert!(g[&m(from)].contains(&m(to)), "{from} -> {to} not seen: {:?}", g[&m(from)]);
    }
}

/// The checks find a cycle where there is one, through `use` trees, path
/// expressions and `super::`, and do not mistake a test module's
/// `use super::*` for a use of the parent.
#[test]
fn a_cycle_is_found() {
    let files = |b_src: &str| {
        vec![
            ("lib.rs".to_string(), "pub mod a;\npub mod b;\npub mod c;\n".to_string()),
            ("a/mod.rs".to_string(), "mod x;\nuse crate::{c::C as D, b::{self, B}};\n".to_string()),
            (
                "a/x.rs".to_string(),
                "use super::super::c;\n#[cfg(test)]\nmod tests {\n    use super::*;\n}\n".to_string(),
            ),
            ("b.rs".to_string(), b_src.to_string()),
            (
                "c.rs".to_string(),
                "// crate::a::X in a comment\nconst S: &str = \"crate::a::X\";\npub struct C;\n".to_string(),
            ),
        ]
    };
    let clean = graph(&files("pub struct B;\n#[cfg(test)]\nmod tests {\n    use super::*;\n}\n"));
    assert_eq!(find_cycle(&clean), None, "{clean:?}");
    assert!(clean[&m("a::x")].contains(&m("c")));
    assert!(!clean[&m("a::x")].contains(&m("a")));
    assert!(clean[&m("a")].contains(&m("b")) && clean[&m("a")].contains(&m("c")));
    for b_src in
        ["use crate::a::A;\n", "fn f() { crate::a::g(); }\n", "mod inner {\n    fn f() { super::super::a::g(); }\n}\n"]
    {
        let g = graph(&files(b_src));
        let c = find_cycle(&g).unwrap_or_else(|| panic!("no cycle found for {b_src:?}: {g:?}"));
        assert!(c.contains(&m("b")), "{}", show(&c));
    }
    // a cycle only between top-level modules: a::x -> b -> a::y
    let split = vec![
        ("lib.rs".to_string(), "pub mod a;\npub mod b;\n".to_string()),
        ("a/mod.rs".to_string(), "mod x;\nmod y;\n".to_string()),
        ("a/x.rs".to_string(), "use crate::b::B;\n".to_string()),
        ("a/y.rs".to_string(), "pub struct Y;\n".to_string()),
        ("b.rs".to_string(), "use crate::a::y::Y;\npub struct B;\n".to_string()),
    ];
    let g = graph(&split);
    assert_eq!(find_cycle(&g), None);
    assert!(find_cycle(&top_level(&g)).is_some());
}
