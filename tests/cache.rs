//! The cache interface behaves the same in process and in Redis (when TEST_REDIS_URL is set).

use std::time::Duration;

use cairn::cache::Cache;

async fn exercise(cache: Cache) {
    let k = format!("test:{}", uuid::Uuid::new_v4());
    assert_eq!(cache.get(&k).await.unwrap(), None);
    cache
        .set(&k, b"value", Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(cache.get(&k).await.unwrap().as_deref(), Some(&b"value"[..]));
    cache.delete(&k).await.unwrap();
    assert_eq!(cache.get(&k).await.unwrap(), None);
    assert!(cache.set_once(&k, Duration::from_secs(30)).await.unwrap());
    assert!(!cache.set_once(&k, Duration::from_secs(30)).await.unwrap());
    let c = format!("{k}:count");
    assert_eq!(cache.incr(&c, Duration::from_secs(30)).await.unwrap(), 1);
    assert_eq!(cache.incr(&c, Duration::from_secs(30)).await.unwrap(), 2);
    let short = format!("{k}:short");
    cache
        .set(&short, b"x", Duration::from_secs(1))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(cache.get(&short).await.unwrap(), None, "entries expire");
}

#[tokio::test]
async fn in_process_cache() {
    exercise(Cache::memory()).await;
}

#[tokio::test]
async fn redis_cache() {
    let Ok(url) = std::env::var("TEST_REDIS_URL") else {
        eprintln!("TEST_REDIS_URL unset: the Redis cache is exercised in the Redis run");
        return;
    };
    exercise(Cache::connect(Some(&url)).await.unwrap()).await;
    let err = Cache::connect(Some("redis://:pw@127.0.0.1:1"))
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("cannot connect to Redis") && !err.contains(":pw@"),
        "{err}"
    );
}
