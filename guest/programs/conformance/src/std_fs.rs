//! What Rust's std does on top of preview1: directories, files, links, errors.

use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Read, Seek, SeekFrom, Write};

fn err(e: std::io::Error) -> String {
    format!("{:?}/{}", e.kind(), e.raw_os_error().map_or("-", |c| crate::errno(c)))
}

fn show<T: std::fmt::Debug>(label: &str, r: std::io::Result<T>) {
    match r {
        Ok(v) => println!("std {label}: ok {v:?}"),
        Err(e) => println!("std {label}: {}", err(e)),
    }
}

pub fn run() {
    show("mkdir -p", fs::create_dir_all("/work/a/b/c"));
    show("mkdir again", fs::create_dir("/work/a"));
    show("write", fs::write("/work/a/f.txt", b"hello"));
    show("read", fs::read_to_string("/work/a/f.txt"));
    let appended = OpenOptions::new()
        .append(true)
        .open("/work/a/f.txt")
        .and_then(|mut f| f.write_all(b", world"));
    show("append", appended);
    show("read appended", fs::read_to_string("/work/a/f.txt"));
    show("len", fs::metadata("/work/a/f.txt").map(|m| (m.len(), m.is_file())));
    show("create_new existing", OpenOptions::new().write(true).create_new(true).open("/work/a/f.txt").map(drop));
    show("open missing", fs::File::open("/work/a/missing").map(drop));
    show("rename", fs::rename("/work/a/f.txt", "/work/a/g.txt"));
    show("old gone", fs::metadata("/work/a/f.txt").map(drop));
    show("rmdir nonempty", fs::remove_dir("/work/a"));
    show("truncate+seek", (|| {
        let mut f = OpenOptions::new().read(true).write(true).open("/work/a/g.txt")?;
        f.set_len(4)?;
        f.seek(SeekFrom::Start(1))?;
        let mut s = String::new();
        f.read_to_string(&mut s)?;
        Ok(s)
    })());
    // std's symlink is unstable on WASI: the raw call, relative to the root preopen.
    let (target, link) = ("g.txt", "work/a/link");
    // SAFETY: pointers into live strings.
    let e = unsafe {
        crate::raw::path_symlink(target.as_ptr(), 5, crate::ROOT, link.as_ptr(), link.len() as u32)
    };
    println!("std symlink (raw): {}", crate::errno(e));
    show("read_link", fs::read_link("/work/a/link"));
    show("through link", fs::read_to_string("/work/a/link"));
    show("link is symlink", fs::symlink_metadata("/work/a/link").map(|m| m.file_type().is_symlink()));
    show("hard_link", fs::hard_link("/work/a/g.txt", "/work/a/hard"));
    show("hard len", fs::metadata("/work/a/hard").map(|m| m.len()));
    let listing = fs::read_dir("/work/a").map(|d| {
        let mut names: Vec<(String, bool)> = d
            .filter_map(Result::ok)
            .map(|e| (e.file_name().to_string_lossy().into_owned(), e.file_type().map(|t| t.is_dir()).unwrap_or(false)))
            .collect();
        names.sort();
        names
    });
    show("read_dir", listing);
    show("escape", fs::read_dir("/work/../..").map(drop));
    show("remove_file dir", fs::remove_file("/work/a/b"));
    show("remove_dir_all", fs::remove_dir_all("/work/a"));
    show("gone", fs::metadata("/work/a").map(drop).map_err(|e| std::io::Error::new(e.kind(), "x")).or_else(|e| if e.kind() == ErrorKind::NotFound { Ok(()) } else { Err(e) }));
}
