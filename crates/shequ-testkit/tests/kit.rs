//! The kit's own promises: `#[engines]` runs its body on each engine, a
//! PostgreSQL test database is a schema of its own that goes away with it,
//! and each size of the street loads whole on every engine.

use shequ_store::people::PeopleQuery;
use shequ_store::{Paging, Scope};
use shequ_testkit::street::{self, Street};
use shequ_testkit::{Engine, TestDb, current_engine, engines};

#[engines]
async fn each_variant_runs_on_its_own_engine() {
    // libtest names the test's thread after the test.
    let name = std::thread::current().name().unwrap_or_default().to_owned();
    let want = if name.ends_with("_postgres") {
        Engine::Postgres
    } else {
        Engine::Sqlite
    };
    assert_eq!(current_engine(), want, "{name}");
    let db = TestDb::fresh(current_engine()).await;
    assert_eq!(db.engine, want);
    db.cleanup().await;
}

#[tokio::test]
async fn outside_engines_a_test_is_on_sqlite() {
    assert_eq!(current_engine(), Engine::Sqlite);
}

#[tokio::test]
async fn a_postgres_test_database_is_a_fresh_schema_dropped_with_it() {
    let Some(base) = shequ_testkit::require_postgres() else {
        return;
    };
    let (a, b) = (
        TestDb::fresh(Engine::Postgres).await,
        TestDb::fresh(Engine::Postgres).await,
    );
    street::seed_street(&a.store).await;
    let everyone = |db: &TestDb| {
        let store = db.store.clone();
        async move {
            store
                .search_people(
                    &Scope::everything(),
                    &PeopleQuery::default(),
                    Paging::new(None, None),
                )
                .await
                .expect("search")
                .total
        }
    };
    assert_eq!(everyone(&a).await, 5);
    assert_eq!(everyone(&b).await, 0, "another test's rows are not seen");
    let schema = a
        .url
        .rsplit("search_path%3D")
        .next()
        .expect("schema in the URL")
        .to_owned();
    let exists = |schema: String| {
        let base = base.clone();
        async move {
            let pool = sqlx::PgPool::connect(&base).await.expect("connect");
            let n: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM information_schema.schemata WHERE schema_name = $1",
            )
            .bind(&schema)
            .fetch_one(&pool)
            .await
            .expect("query");
            pool.close().await;
            n == 1
        }
    };
    assert!(exists(schema.clone()).await, "{schema} while in use");
    drop(a);
    assert!(!exists(schema.clone()).await, "{schema} dropped with it");
    b.cleanup().await;
}

#[tokio::test]
async fn every_size_of_the_street_loads_whole_on_every_engine() {
    for (street, people, places) in [
        (Street::store(), 5, 3),
        (Street::http(), 3, 2),
        (Street::pages(), 5, 4),
    ] {
        for db in engines().await {
            let loaded = street::load(&db.store, &street).await;
            assert_eq!(loaded.people.len(), people, "{}", db.label);
            assert_eq!(loaded.places.len(), places, "{}", db.label);
            let stored = db
                .store
                .search_people(
                    &Scope::everything(),
                    &PeopleQuery::default(),
                    Paging::new(None, None),
                )
                .await
                .expect("search")
                .total;
            assert_eq!(stored, people as i64, "{}", db.label);
            db.cleanup().await;
        }
    }
}
