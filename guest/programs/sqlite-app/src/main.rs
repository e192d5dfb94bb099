//! `sqlite-app DB COMMAND`: SQLite on plain files, as a legacy program uses it.
//!
//! | command | what |
//! |---|---|
//! | `insert N` | creates table `t` if needed and inserts N rows, one transaction, DELETE journal |
//! | `check` | `PRAGMA integrity_check`, the row count and a checksum of the rows |
//! | `sql` | runs the SQL on stdin; prints each row of the last statement, `|`-separated |
//!
//! Any SQLite error is printed to stderr with exit status 1.

use std::io::Read;

use rusqlite::{Connection, Result};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(db), Some(cmd)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: sqlite-app DB insert N | check | sql");
        std::process::exit(2);
    };
    let result = Connection::open(db).and_then(|c| {
        c.pragma_update(None, "journal_mode", "DELETE")?;
        match cmd.as_str() {
            "insert" => insert(&c, args.get(3).and_then(|n| n.parse().ok()).unwrap_or(0)),
            "check" => check(&c),
            "sql" => sql(&c),
            other => {
                eprintln!("unknown command {other}");
                std::process::exit(2);
            }
        }
    });
    if let Err(e) = result {
        eprintln!("sqlite-app: {e}");
        std::process::exit(1);
    }
}

fn insert(c: &Connection, n: u64) -> Result<()> {
    c.execute_batch("CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, name TEXT, v INTEGER)")?;
    c.execute_batch("BEGIN")?;
    {
        let mut stmt = c.prepare("INSERT INTO t(name, v) VALUES (?1, ?2)")?;
        for i in 0..n {
            stmt.execute((format!("row {i}"), (i * 7919) % 10007))?;
        }
    }
    c.execute_batch("COMMIT")?;
    println!("inserted {n}");
    Ok(())
}

fn check(c: &Connection) -> Result<()> {
    let integrity: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    let (rows, sum): (i64, i64) =
        c.query_row("SELECT count(*), coalesce(sum(v), 0) FROM t", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    println!("integrity: {integrity} rows: {rows} sum: {sum}");
    Ok(())
}

fn sql(c: &Connection) -> Result<()> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    let statements: Vec<&str> = text.split(';').map(str::trim).filter(|s| !s.is_empty()).collect();
    let Some((last, rest)) = statements.split_last() else {
        return Ok(());
    };
    for s in rest {
        c.execute_batch(s)?;
    }
    let mut stmt = c.prepare(last)?;
    let columns = stmt.column_count();
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let fields: Vec<String> = (0..columns)
            .map(|i| match row.get_ref(i) {
                Ok(v) => match v {
                    rusqlite::types::ValueRef::Null => "NULL".into(),
                    rusqlite::types::ValueRef::Integer(n) => n.to_string(),
                    rusqlite::types::ValueRef::Real(f) => f.to_string(),
                    rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                    rusqlite::types::ValueRef::Blob(b) => format!("<{} bytes>", b.len()),
                },
                Err(_) => String::new(),
            })
            .collect();
        println!("{}", fields.join("|"));
    }
    Ok(())
}
