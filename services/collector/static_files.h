/* The dashboard's files: a directory read into memory once, looked up by URL path. */
#ifndef COLLECTOR_STATIC_FILES_H
#define COLLECTOR_STATIC_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* Bounds of what is loaded: the dashboard is a few small files, not a file server. */
#define STATIC_MAX_FILES      512
#define STATIC_MAX_FILE_BYTES (4L * 1024 * 1024)
#define STATIC_MAX_TOTAL      (32L * 1024 * 1024)
#define STATIC_MAX_DEPTH      4
#define STATIC_MAX_PATH       256

/* One file, immutable once loaded (shared read-only by every worker thread). */
struct static_file {
    char *path;          /* URL path: "/index.html", "/js/app.js" */
    unsigned char *data; /* the whole file */
    size_t len;
    const char *content_type; /* from the extension; a static string */
    time_t mtime;
    char etag[24];          /* strong validator from the content: "\"<16 hex digits>\"" */
    char last_modified[40]; /* IMF-fixdate of mtime */
};

struct static_files;

/*
 * Reads every regular file under dir (not symbolic links, not names starting with '.' or with
 * characters static_path_valid refuses; at most STATIC_MAX_DEPTH levels and the bounds above).
 * Returns a set (possibly empty when dir cannot be read: logged as a warning), NULL only when out
 * of memory.
 */
struct static_files *static_files_load(const char *dir);
void static_files_free(struct static_files *set);
size_t static_files_count(const struct static_files *set);

/* The file at a URL path that static_path_valid accepted ("/" means "/index.html"), or NULL. */
const struct static_file *static_files_find(const struct static_files *set, const char *path);

/*
 * Whether a raw (still percent-encoded) URL path may name a file: it starts with '/', is at most
 * STATIC_MAX_PATH bytes of A-Z a-z 0-9 - _ . /, has no empty segment and no segment starting with
 * '.'. So "..", any %-escape (an encoded slash or NUL), a backslash and hidden files are refused
 * before any lookup.
 */
bool static_path_valid(const char *path);

/* The Content-Type for a file name, by its extension; "application/octet-stream" if unknown. */
const char *static_content_type(const char *name);

/*
 * Whether an If-None-Match header value (a list of entity tags, weak or strong, or "*") matches
 * etag with the weak comparison RFC 9110 §13.1.2 prescribes for GET.
 */
bool static_etag_matches(const char *if_none_match, const char *etag);

#endif
