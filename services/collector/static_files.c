/* The dashboard's files: a directory read into memory once, looked up by URL path. */
#include "static_files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "log.h"

struct static_files {
    struct static_file *files; /* sorted by path for bsearch */
    size_t count, cap;
    size_t total_bytes;
};

static const struct {
    const char *ext;
    const char *type;
} content_types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json; charset=utf-8"},
    {".map", "application/json; charset=utf-8"},
    {".webmanifest", "application/manifest+json; charset=utf-8"},
    {".txt", "text/plain; charset=utf-8"},
    {".md", "text/plain; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
};

const char *static_content_type(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (dot != NULL && strchr(dot, '/') == NULL) {
        for (size_t i = 0; i < sizeof(content_types) / sizeof(content_types[0]); i++)
            if (strcasecmp(dot, content_types[i].ext) == 0)
                return content_types[i].type;
    }
    return "application/octet-stream";
}

static bool name_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
}

bool static_path_valid(const char *path)
{
    size_t len = strlen(path);
    if (len == 0 || len > STATIC_MAX_PATH || path[0] != '/')
        return false;
    if (len == 1)
        return true; /* "/": the index */
    for (size_t i = 1; i <= len; i++) {
        char c = path[i];
        char prev = path[i - 1];
        if (prev == '/' && (c == '/' || c == '.' || c == '\0'))
            return false; /* empty segment, "..", "." or a hidden file */
        if (c != '\0' && c != '/' && !name_char_ok(c))
            return false; /* '%' (any escape), '\\', controls, spaces... */
    }
    return true;
}

static int compare_files(const void *a, const void *b)
{
    return strcmp(((const struct static_file *)a)->path, ((const struct static_file *)b)->path);
}

const struct static_file *static_files_find(const struct static_files *set, const char *path)
{
    if (set == NULL || set->count == 0)
        return NULL;
    struct static_file key = {.path = (char *)(strcmp(path, "/") == 0 ? "/index.html" : path)};
    return bsearch(&key, set->files, set->count, sizeof(key), compare_files);
}

size_t static_files_count(const struct static_files *set)
{
    return set ? set->count : 0;
}

/* Trims optional whitespace around [*start, *end). */
static void trim(const char **start, const char **end)
{
    while (*start < *end && (**start == ' ' || **start == '\t'))
        (*start)++;
    while (*end > *start && ((*end)[-1] == ' ' || (*end)[-1] == '\t'))
        (*end)--;
}

bool static_etag_matches(const char *if_none_match, const char *etag)
{
    size_t etag_len = strlen(etag);
    const char *p = if_none_match;
    while (*p != '\0') {
        const char *comma = strchr(p, ',');
        const char *end = comma ? comma : p + strlen(p);
        const char *start = p;
        trim(&start, &end);
        if (end - start == 1 && *start == '*')
            return true;
        if (end - start > 2 && start[0] == 'W' && start[1] == '/')
            start += 2; /* weak comparison: W/"x" matches "x" */
        if ((size_t)(end - start) == etag_len && memcmp(start, etag, etag_len) == 0)
            return true;
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    return false;
}

/* Reads a whole regular file whose size fstat says is at most max; NULL on any error. */
static unsigned char *read_whole(int dirfd, const char *name, size_t *len, time_t *mtime, long max)
{
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    unsigned char *data = NULL;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= max) {
        size_t size = (size_t)st.st_size;
        data = malloc(size > 0 ? size : 1);
        size_t got = 0;
        while (data != NULL && got < size) {
            ssize_t n = read(fd, data + got, size - got);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                free(data);
                data = NULL;
                break;
            }
            got += (size_t)n;
        }
        *len = got;
        *mtime = st.st_mtime;
    }
    close(fd);
    return data;
}

static void fill_validators(struct static_file *f)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    if (EVP_Digest(f->data, f->len, md, &md_len, EVP_sha256(), NULL) != 1 || md_len < 8)
        memset(md, 0, 8);
    snprintf(f->etag, sizeof(f->etag), "\"%02x%02x%02x%02x%02x%02x%02x%02x\"", md[0], md[1], md[2],
             md[3], md[4], md[5], md[6], md[7]);
    struct tm tm;
    gmtime_r(&f->mtime, &tm);
    strftime(f->last_modified, sizeof(f->last_modified), "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* false only when out of memory; files over the bounds are skipped with a warning. */
static bool add_file(struct static_files *set, int dirfd, const char *name, const char *url_path)
{
    if (set->count >= STATIC_MAX_FILES) {
        log_warn("static_file_skipped", "path=%s reason=too_many_files", url_path);
        return true;
    }
    struct static_file f = {0};
    long room = STATIC_MAX_TOTAL - (long)set->total_bytes;
    f.data = read_whole(dirfd, name, &f.len, &f.mtime,
                        room < STATIC_MAX_FILE_BYTES ? room : STATIC_MAX_FILE_BYTES);
    if (f.data == NULL) {
        log_warn("static_file_skipped", "path=%s reason=unreadable_or_too_large", url_path);
        return true;
    }
    f.path = strdup(url_path);
    if (f.path == NULL) {
        free(f.data);
        return false;
    }
    if (set->count == set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 32;
        struct static_file *grown = realloc(set->files, cap * sizeof(*grown));
        if (grown == NULL) {
            free(f.data);
            free(f.path);
            return false;
        }
        set->files = grown;
        set->cap = cap;
    }
    f.content_type = static_content_type(name);
    fill_validators(&f);
    set->files[set->count++] = f;
    set->total_bytes += f.len;
    return true;
}

/* Adds the regular files under dirfd (which it closes), their URL paths under prefix. */
static bool load_dir(struct static_files *set, int dirfd, const char *prefix, int depth)
{
    DIR *d = fdopendir(dirfd);
    if (d == NULL) {
        close(dirfd);
        return true;
    }
    bool ok = true;
    struct dirent *e;
    while (ok && (e = readdir(d)) != NULL) {
        char url[STATIC_MAX_PATH + 2];
        int n = snprintf(url, sizeof(url), "%s/%s", prefix, e->d_name);
        if (e->d_name[0] == '.' || n < 0 || (size_t)n >= sizeof(url) || !static_path_valid(url))
            continue; /* hidden, or a name no URL could reach */
        struct stat st;
        if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (S_ISREG(st.st_mode)) {
            ok = add_file(set, dirfd, e->d_name, url);
        } else if (S_ISDIR(st.st_mode) && depth < STATIC_MAX_DEPTH) {
            int sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub >= 0)
                ok = load_dir(set, sub, url, depth + 1);
        }
    }
    closedir(d);
    return ok;
}

struct static_files *static_files_load(const char *dir)
{
    struct static_files *set = calloc(1, sizeof(*set));
    if (set == NULL)
        return NULL;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        log_warn("static_dir_unavailable", "dir=\"%s\" error=\"%s\"", dir, strerror(errno));
        return set;
    }
    if (!load_dir(set, fd, "", 1)) {
        static_files_free(set);
        return NULL;
    }
    if (set->count > 0)
        qsort(set->files, set->count, sizeof(set->files[0]), compare_files);
    log_info("static_loaded", "dir=\"%s\" files=%zu bytes=%zu", dir, set->count, set->total_bytes);
    return set;
}

void static_files_free(struct static_files *set)
{
    if (set == NULL)
        return;
    for (size_t i = 0; i < set->count; i++) {
        free(set->files[i].path);
        free(set->files[i].data);
    }
    free(set->files);
    free(set);
}
