//! Generates the C header `rally.h` from the ABI's source, into `OUT_DIR` and into
//! `target/<profile>/include/`, where a game's build finds it next to the libraries.

use std::{env, path::PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    let crate_dir = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let header = match cbindgen::generate(&crate_dir) {
        Ok(header) => header,
        Err(error) => panic!("cannot generate rally.h: {error}"),
    };
    header.write_to_file(out_dir.join("rally.h"));
    // OUT_DIR is target/<profile>/build/<package>-<hash>/out.
    if let Some(profile_dir) = out_dir.ancestors().nth(3) {
        header.write_to_file(profile_dir.join("include").join("rally.h"));
    }
}
