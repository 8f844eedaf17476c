//! Copies the Temporal API descriptor set that `temporalio-protos` publishes (its `links` key)
//! into OUT_DIR, so histories can be turned into proto3 JSON by reflection.

fn main() {
    let source = std::env::var("DEP_TEMPORALIO_PROTOS_DESCRIPTOR_PATH")
        .expect("temporalio-protos publishes its descriptor set");
    println!("cargo:rerun-if-changed={source}");
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::copy(&source, out.join("temporal_descriptors.bin"))
        .expect("the descriptor set is readable");
}
