// Package store keeps one hotline terminal's decrypted messages on disk and
// searches them (issue 7: "history searchable (SQLite FTS on the member's
// decrypted local copy only)"). Only the terminal that decrypted a message
// stores its plaintext; exchanges and partner nodes keep ciphertext.
//
// # File
//
// A [Store] is one SQLite database file (modernc.org/sqlite, pure Go, driver
// name "sqlite"). [Open] creates it with mode 0600 (its directory 0700) and
// marks it with PRAGMA application_id ([ApplicationID]); the schema version
// is PRAGMA user_version ([SchemaVersion]), raised by forward migrations in
// one transaction. A file that is not a trilink hotline store is refused with
// [ErrNotStore] and left untouched; one written by a newer program with
// [ErrNewerVersion]. The journal is a write-ahead log (WAL) with
// synchronous=NORMAL: a crash or power loss may lose the last commits but
// never tears one, and commits are lost in order, so the persisted
// [Store.Cursor] is never ahead of the messages; the terminal fetches again
// from the cursor and [Store.Put] ignores what it already has.
//
// # Messages
//
// A [Message] is stored with its attachments and its full-text index row in
// one transaction, so it is never half-stored. [Store.Put] is idempotent by
// message id. Messages are ordered by Seq, the exchange's transcript index;
// [Store.Messages] pages forward from a Seq cursor and [Store.Latest] gives the
// newest. Lists carry attachment names, types and sizes but not data, which
// [Store.Attachment] (or [Store.Get]) returns.
//
// # Search
//
// [Store.Search] finds messages whose body or attachment names (not their
// data) contain every word of a query, newest first, with a snippet that
// marks the matches. Japanese is written without spaces, so the FTS5
// unicode61 tokenizer, which splits text at spaces and punctuation, cannot
// find a word inside a sentence. The index therefore uses the FTS5 trigram
// tokenizer (SQLite ≥ 3.34; https://sqlite.org/fts5.html#the_trigram_tokenizer),
// which finds any substring of three or more characters in Japanese, Korean
// and English alike. Trigrams cannot find shorter strings, so words of one
// or two characters (発射, 경보, UN) are matched by scanning the candidates,
// or every message when all words are short, with instr.
//
// The index and the scan both work on a copy of the text in which every
// character is mapped to lower case by Go (Unicode simple case mapping,
// [unicode.ToLower]), as is the query, so that the two paths and the
// snippets agree: Latin, Greek and Cyrillic letters match in any case. No
// other normalisation is done: full-width Ａ is not A, and é is not e.
//
// Query text is never FTS5 syntax or SQL: each word is quoted as an FTS5
// string and the whole expression is a bound parameter.
//
// # Concurrency
//
// A Store is safe for concurrent use. Writes are serialised within the
// process; reads run in parallel with them. Another process may open the
// same file, but a terminal should own its store.
package store
