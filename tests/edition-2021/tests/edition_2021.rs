//! Hits, misses and invalidation through annotated functions of a 2021-edition crate whose
//! futures borrow their arguments, and the futures are `Send`.

use std::borrow::Cow;
use std::future::Future;

use cache_edition_2021_test::{length, Greetings};

/// A future a multi-thread runtime could run: `Send`, as the `async fn` written would be.
fn sendable<F: Future + Send>(future: F) -> F {
    future
}

#[tokio::test]
async fn borrowing_functions_read_through_and_invalidate() {
    let greetings = Greetings::new(cache::Cache::in_memory());
    let title = String::from("Dr");

    let first = sendable(greetings.greeting("Who", Cow::Borrowed(&title))).await;
    let second = sendable(greetings.greeting("Who", Cow::Owned(title.clone()))).await;
    assert_eq!(
        (first.as_str(), second.as_str()),
        ("Hello, Dr Who", "Hello, Dr Who")
    );
    assert_eq!(greetings.calls(), 1, "the second call is a hit");
    assert_eq!(
        greetings
            .cache
            .get::<String>("greeting-Dr-Who")
            .await
            .unwrap()
            .as_deref(),
        Some("Hello, Dr Who")
    );

    let parts = [1, 2, 3];
    assert_eq!(sendable(greetings.joined(7, &parts)).await, "7: 1, 2, 3");
    assert_eq!(greetings.joined(7, &parts).await, "7: 1, 2, 3");
    assert_eq!(greetings.calls(), 2);

    sendable(greetings.forget("Who", Cow::Borrowed(&title)))
        .await
        .unwrap();
    assert_eq!(
        greetings
            .cache
            .get::<String>("greeting-Dr-Who")
            .await
            .unwrap(),
        None
    );
    assert!(greetings.forget("", Cow::Borrowed("Dr")).await.is_err());
    greetings.greeting("Who", Cow::Borrowed(&title)).await;
    assert_eq!(greetings.calls(), 5, "the forgotten greeting is read again");

    let text = String::from("four");
    assert_eq!(sendable(length(&text)).await, 4);
}
