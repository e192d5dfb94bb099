//! With `ROCKSDB_LIB_DIR` (a prebuilt static librocksdb, see README), librocksdb-sys does not
//! link the C++ standard library itself; do it here.
fn main() {
    println!("cargo:rerun-if-env-changed=ROCKSDB_LIB_DIR");
    if std::env::var_os("ROCKSDB_LIB_DIR").is_some() {
        println!("cargo:rustc-link-lib=dylib=stdc++");
    }
}
