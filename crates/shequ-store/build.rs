// `sqlx::migrate!` embeds the migrations when this crate compiles; without
// this, a new migration file alone would not make cargo rebuild it.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
