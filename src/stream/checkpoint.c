/*
 * checkpoint.c - state directory and changelog topic of the model store
 * (see checkpoint.h).
 *
 * The state file is "MSCKPT01", the payload length (8 bytes, little-endian),
 * an FNV-1a 64 checksum of the payload (8 bytes), then a StoreCheckpoint
 * protobuf. A file whose length or checksum does not match is torn or
 * foreign: it is reported and never applied.
 *
 * Two generations are kept: store.checkpoint (the newest) and
 * store.checkpoint.prev (the one before). A save
 *   1. writes store.checkpoint.tmp in full and fsyncs it;
 *   2. renames store.checkpoint to store.checkpoint.prev (if there is one);
 *   3. renames store.checkpoint.tmp to store.checkpoint;
 *   4. fsyncs the directory, and only then counts as written.
 * Why a crash (kill -9, power loss) at any point leaves a good checkpoint:
 * nothing is renamed before its bytes are on disk (1), and rename replaces a
 * name atomically, so each of the two names always points at a complete
 * file that was good when it was written. A crash between 2 and 3 leaves
 * only store.checkpoint.prev, which restore then uses; the directory fsync
 * (4) makes both renames durable before the next save rotates again (should
 * a power loss undo them, the directory holds the generations from before
 * this save, which were durable). A leftover .tmp is half-written by
 * definition and is removed at start.
 * The length and checksum catch what the protocol cannot: a file torn by
 * a disk or file system that lost blocks, truncated or edited by hand.
 * Restore tries store.checkpoint, then store.checkpoint.prev; a bad newest
 * file is moved aside to store.checkpoint.torn (kept for inspection), so
 * that the next save cannot rotate it over the good previous one.
 *
 * A save that fails (disk full, a file size limit: ENOSPC, EDQUOT, EFBIG;
 * or an I/O error) leaves both generations as they were. It is counted,
 * logged once when saves start failing and once when they work again
 * (not every retry), and retried at the next save: scoring never waits
 * for the disk.
 */
#include "stream/checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "modelserving.pb-c.h"
#include "stream/kafka.h"
#include "stream/model_update.h"
#include "stream/offsets.h"
#include "telemetry/log.h"
#include "util/file.h"

#define MAGIC "MSCKPT01"
#define HEADER_LEN 24
#define CHECKPOINT_FILE "store.checkpoint"
#define PREVIOUS_FILE CHECKPOINT_FILE ".prev"
#define TEMPORARY_FILE CHECKPOINT_FILE ".tmp"
#define TORN_FILE CHECKPOINT_FILE ".torn"

struct checkpoint {
    char *dir;
    char *changelog_topic;
    rd_kafka_t *producer;
    pthread_mutex_t lock;        /* models offsets, save outcomes */
    pthread_mutex_t save_lock;   /* one state file write at a time */
    int64_t *models_next;        /* per models-topic partition; -1 unknown */
    int nparts;
    uint64_t last_checksum;      /* of the last state file written */
    /* What saves did, for /metrics and /health (under lock, which HTTP
     * takes, never under save_lock, held through slow fsyncs). */
    uint64_t written, failed;
    uint64_t failing;            /* consecutive failed saves */
    char last_error[MS_ERROR_MAX];
};

static uint64_t fnv1a(const uint8_t *p, size_t n) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

checkpoint *checkpoint_open(const char *state_dir, const char *changelog_topic,
                            rd_kafka_t *producer, ms_error *err) {
    checkpoint *c = calloc(1, sizeof *c);
    if (!c) {
        ms_error_set(err, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&c->lock, NULL);
    pthread_mutex_init(&c->save_lock, NULL);
    c->producer = producer;
    if (state_dir && state_dir[0]) {
        if (mkdir(state_dir, 0750) != 0 && errno != EEXIST) {
            ms_error_set(err, "cannot create the state directory '%s': %s",
                         state_dir, strerror(errno));
            checkpoint_free(c);
            return NULL;
        }
        c->dir = strdup(state_dir);
        /* Half-written by a process that died while saving. */
        char tmp[4200];
        snprintf(tmp, sizeof tmp, "%s/%s", state_dir, TEMPORARY_FILE);
        if (unlink(tmp) == 0)
            log_warn("checkpoint", "removed '%s', left half-written by a "
                                   "crash during a save", tmp);
    }
    if (changelog_topic && changelog_topic[0])
        c->changelog_topic = strdup(changelog_topic);
    return c;
}

void checkpoint_free(checkpoint *c) {
    if (!c) return;
    free(c->dir);
    free(c->changelog_topic);
    free(c->models_next);
    pthread_mutex_destroy(&c->lock);
    pthread_mutex_destroy(&c->save_lock);
    free(c);
}

void checkpoint_models_read(checkpoint *c, int32_t partition, int64_t next) {
    if (partition < 0) return;
    pthread_mutex_lock(&c->lock);
    if (partition >= c->nparts) {
        int64_t *grown = realloc(c->models_next,
                                 (size_t)(partition + 1) * sizeof *grown);
        if (grown) {
            for (int p = c->nparts; p <= partition; p++) grown[p] = -1;
            c->models_next = grown;
            c->nparts = partition + 1;
        }
    }
    if (partition < c->nparts && next > c->models_next[partition])
        c->models_next[partition] = next;
    pthread_mutex_unlock(&c->lock);
}

/* What one checkpoint message is built from, on the stack. */
typedef struct builder {
    Modelserving__StoreEntry entries[STORE_MAX_DATA_TYPES];
    Modelserving__ServingStats stats[STORE_MAX_DATA_TYPES];
    Modelserving__StoreEntry *entry_ptrs[STORE_MAX_DATA_TYPES];
    const char *only;   /* a single data type, or NULL for all */
    size_t n;
} builder;

static void add_entry(void *ctx, const char *data_type, const uint8_t *message,
                      size_t len, const serving_stats *st) {
    builder *b = ctx;
    if (b->only && strcmp(b->only, data_type) != 0) return;
    Modelserving__ServingStats *s = &b->stats[b->n];
    modelserving__serving_stats__init(s);
    s->sincems = st->since_ms;
    s->usage = st->usage;
    s->totalns = st->total_ns;
    s->minns = st->min_ns;
    s->maxns = st->max_ns;
    Modelserving__StoreEntry *e = &b->entries[b->n];
    modelserving__store_entry__init(e);
    /* Only used while the store's lock is held (see encode()). */
    e->datatype = strdup(data_type);
    e->modelmessage.data = malloc(len ? len : 1);
    if (e->datatype && e->modelmessage.data) {
        memcpy(e->modelmessage.data, message, len);
        e->modelmessage.len = len;
        e->stats = s;
        b->entry_ptrs[b->n++] = e;
    } else {
        free(e->datatype);
        free(e->modelmessage.data);
    }
}

/* Encodes the checkpoint of every data type (or of `only`) into a malloc'd
 * buffer. */
static uint8_t *encode(checkpoint *c, store *s, const char *only, size_t *len) {
    builder *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->only = only;
    store_for_each_model(s, add_entry, b);

    Modelserving__StoreCheckpoint msg = MODELSERVING__STORE_CHECKPOINT__INIT;
    msg.n_entries = b->n;
    msg.entries = b->entry_ptrs;
    pthread_mutex_lock(&c->lock);
    int nparts = c->nparts;
    Modelserving__PartitionOffset *offs = calloc((size_t)nparts + 1, sizeof *offs);
    Modelserving__PartitionOffset **off_ptrs =
        calloc((size_t)nparts + 1, sizeof *off_ptrs);  // NOLINT(bugprone-sizeof-expression): pointers

    size_t noffs = 0;
    for (int p = 0; offs && off_ptrs && p < nparts; p++) {
        if (c->models_next[p] < 0) continue;
        modelserving__partition_offset__init(&offs[noffs]);
        offs[noffs].partition = p;
        offs[noffs].offset = c->models_next[p];
        off_ptrs[noffs] = &offs[noffs];
        noffs++;
    }
    pthread_mutex_unlock(&c->lock);
    msg.n_modelsoffsets = noffs;
    msg.modelsoffsets = off_ptrs;

    *len = modelserving__store_checkpoint__get_packed_size(&msg);
    uint8_t *out = malloc(*len ? *len : 1);
    if (out) modelserving__store_checkpoint__pack(&msg, out);
    for (size_t i = 0; i < b->n; i++) {
        free(b->entries[i].datatype);
        free(b->entries[i].modelmessage.data);
    }
    free(b);
    free(offs);
    free(off_ptrs);
    return out;
}

/* write(2) until all of it is written; a short write is followed by
 * another, which reports the error (ENOSPC, EFBIG) if there is one. */
static int write_all(int fd, const uint8_t *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            if (w == 0) errno = ENOSPC;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int save_error(ms_error *err, const char *what, const char *path) {
    int e = errno;
    int full = e == ENOSPC || e == EDQUOT || e == EFBIG;
    return ms_error_set(err, "cannot %s '%s': %s%s", what, path, strerror(e),
                        full ? " (the state directory's disk is full or a "
                               "file size limit was reached: free space "
                               "there)"
                             : "");
}

/* Steps 1 to 4 of the header comment. */
static int write_generation(const char *dir, const uint8_t *header,
                            size_t header_len, const uint8_t *body,
                            size_t body_len, ms_error *err) {
    char path[4096], tmp[4200], prev[4200];
    snprintf(path, sizeof path, "%s/%s", dir, CHECKPOINT_FILE);
    snprintf(tmp, sizeof tmp, "%s/%s", dir, TEMPORARY_FILE);
    snprintf(prev, sizeof prev, "%s/%s", dir, PREVIOUS_FILE);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) return save_error(err, "create", tmp);
    if (write_all(fd, header, header_len) || write_all(fd, body, body_len) ||
        fsync(fd) != 0) {
        save_error(err, "write", tmp);
        close(fd);
        unlink(tmp);
        return -1;
    }
    if (close(fd) != 0) {
        save_error(err, "write", tmp);
        unlink(tmp);
        return -1;
    }
    if (rename(path, prev) != 0 && errno != ENOENT) {
        save_error(err, "keep the previous checkpoint as", prev);
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, path) != 0) {
        save_error(err, "rename the new checkpoint to", path);
        unlink(tmp);
        return -1;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || fsync(dfd) != 0) {
        save_error(err, "sync the state directory", dir);
        if (dfd >= 0) close(dfd);
        return -1;
    }
    close(dfd);
    return 0;
}

/* Counts a save; logs only when saves start failing or work again. */
static void note_outcome(checkpoint *c, int rc, const ms_error *err) {
    pthread_mutex_lock(&c->lock);
    uint64_t failing = c->failing;
    if (rc == 0) {
        c->written++;
        c->failing = 0;
    } else {
        c->failed++;
        c->failing++;
        snprintf(c->last_error, sizeof c->last_error, "%s", err->msg);
    }
    pthread_mutex_unlock(&c->lock);
    if (rc == 0 && failing)
        log_info("checkpoint", "checkpoints are written to '%s' again, "
                               "after %llu failed save(s)",
                 c->dir, (unsigned long long)failing);
    else if (rc != 0 && !failing)
        log_error("checkpoint", "%s; scoring goes on, saves are retried and "
                                "resume by themselves; until then a restart "
                                "restores older models", err->msg);
}

static int save_locked(checkpoint *c, store *s, ms_error *err) {
    size_t len;
    uint8_t *body = encode(c, s, NULL, &len);
    if (!body) return ms_error_set(err, "out of memory encoding a checkpoint");
    uint64_t sum = fnv1a(body, len);
    int rc = 0;
    if (sum != c->last_checksum) {
        uint8_t header[HEADER_LEN];
        memcpy(header, MAGIC, 8);  // NOLINT(bugprone-not-null-terminated-result): 8 bytes, no NUL
        for (int i = 0; i < 8; i++) {
            header[8 + i] = (uint8_t)((uint64_t)len >> (8 * i));
            header[16 + i] = (uint8_t)(sum >> (8 * i));
        }
        rc = write_generation(c->dir, header, sizeof header, body, len, err);
        if (rc == 0) c->last_checksum = sum;
        note_outcome(c, rc, err);
    }
    free(body);
    return rc;
}

int checkpoint_save(checkpoint *c, store *s, ms_error *err) {
    if (!c->dir) return 0;
    pthread_mutex_lock(&c->save_lock);
    int rc = save_locked(c, s, err);
    pthread_mutex_unlock(&c->save_lock);
    return rc;
}

void checkpoint_status(checkpoint *c, checkpoint_health *out) {
    memset(out, 0, sizeof *out);
    out->enabled = c->dir != NULL;
    pthread_mutex_lock(&c->lock);
    out->written = c->written;
    out->failed = c->failed;
    out->failing = c->failing;
    snprintf(out->last_error, sizeof out->last_error, "%s", c->last_error);
    pthread_mutex_unlock(&c->lock);
}

void checkpoint_model_swapped(checkpoint *c, store *s, const char *data_type,
                              const void *message, size_t len) {
    (void)message, (void)len; /* the store holds the same bytes now */
    if (c->changelog_topic) {
        size_t n;
        uint8_t *value = encode(c, s, data_type, &n);
        rd_kafka_resp_err_t perr =
            value ? rd_kafka_producev(
                        c->producer, RD_KAFKA_V_TOPIC(c->changelog_topic),
                        RD_KAFKA_V_KEY(data_type, strlen(data_type)),
                        RD_KAFKA_V_VALUE(value, n),
                        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE),
                        /* not a data record: no offset to finish */
                        RD_KAFKA_V_OPAQUE(offsets_none()), RD_KAFKA_V_END)
                  : RD_KAFKA_RESP_ERR__FAIL;
        if (perr) {
            free(value);
            log_error("checkpoint", "cannot write '%s' to the changelog '%s': "
                                    "%s", data_type, c->changelog_topic,
                      rd_kafka_err2str(perr));
        }
    }
    /* The analyzer reports value as leaked here: librdkafka owns it once
     * produce succeeded (RD_KAFKA_MSG_F_FREE), which it cannot see. */
    // NOLINTNEXTLINE(clang-analyzer-unix.Malloc)
    ms_error err;
    checkpoint_save(c, s, &err); /* a failure is logged and counted there */
}

/* Applies every entry of a decoded checkpoint; returns how many loaded. */
static int apply(Modelserving__StoreCheckpoint *ck, store *s,
                 const location_policy *policy, int64_t *next, int nparts,
                 const char *from) {
    int restored = 0;
    for (size_t i = 0; i < ck->n_entries; i++) {
        const Modelserving__StoreEntry *en = ck->entries[i];
        serving_stats st = {0};
        if (en->stats) {
            st.since_ms = en->stats->sincems;
            st.usage = en->stats->usage;
            st.total_ns = en->stats->totalns;
            st.min_ns = en->stats->minns;
            st.max_ns = en->stats->maxns;
        }
        model_update_result res;
        ms_error err;
        if (model_update_apply(s, en->modelmessage.data, en->modelmessage.len,
                               policy, &st, &res, &err) == 0) {
            restored++;
            log_info("checkpoint", "restored model '%s' for data type '%s' "
                                   "from %s (%llu record(s) scored so far)",
                     res.name, res.data_type, from,
                     (unsigned long long)st.usage);
        } else {
            log_error("checkpoint", "cannot restore data type '%s' from %s: "
                                    "%s", en->datatype, from, err.msg);
        }
    }
    for (size_t i = 0; i < ck->n_modelsoffsets; i++) {
        int p = ck->modelsoffsets[i]->partition;
        if (p >= 0 && p < nparts && ck->modelsoffsets[i]->offset > next[p])
            next[p] = ck->modelsoffsets[i]->offset;
    }
    return restored;
}

/* Reads and decodes one generation: 1 with *out set, 0 when the file is
 * not there, -1 (err filled) when it is torn, foreign or unreadable. */
static int read_generation(const char *path, size_t max,
                           Modelserving__StoreCheckpoint **out, uint64_t *sum,
                           ms_error *err) {
    if (access(path, F_OK) != 0) return 0;
    uint8_t *buf;
    size_t len;
    if (file_read_all(path, max, &buf, &len, err)) return -1;
    uint64_t body_len = 0;
    *sum = 0;
    for (int i = 0; len >= HEADER_LEN && i < 8; i++) {
        body_len |= (uint64_t)buf[8 + i] << (8 * i);
        *sum |= (uint64_t)buf[16 + i] << (8 * i);
    }
    if (len < HEADER_LEN || memcmp(buf, MAGIC, 8) != 0 ||
        body_len != len - HEADER_LEN || fnv1a(buf + HEADER_LEN, body_len) != *sum) {
        free(buf);
        return ms_error_set(err, "'%s' is torn or not a checkpoint (length or "
                                 "checksum mismatch)", path);
    }
    *out = modelserving__store_checkpoint__unpack(NULL, body_len, buf + HEADER_LEN);
    free(buf);
    if (!*out) return ms_error_set(err, "'%s' does not decode", path);
    return 1;
}

/* The newest good generation: store.checkpoint, else store.checkpoint.prev
 * (see the header comment). */
static int restore_from_dir(checkpoint *c, store *s,
                            const location_policy *policy, int64_t *next,
                            int nparts, ms_error *err) {
    char path[4096], prev[4200], torn[4200];
    snprintf(path, sizeof path, "%s/%s", c->dir, CHECKPOINT_FILE);
    snprintf(prev, sizeof prev, "%s/%s", c->dir, PREVIOUS_FILE);
    snprintf(torn, sizeof torn, "%s/%s", c->dir, TORN_FILE);
    /* At most every model of a full store. */
    size_t max = (size_t)STORE_MAX_DATA_TYPES * policy->max_bytes;
    Modelserving__StoreCheckpoint *ck = NULL;
    uint64_t sum = 0;
    const char *from = "the state directory";
    int rc = read_generation(path, max, &ck, &sum, err);
    if (rc < 0) {
        int moved = rename(path, torn) == 0;
        log_error("checkpoint", "%s; %s, restoring from the previous "
                                "checkpoint '%s'",
                  err->msg, moved ? "moved it aside to '" TORN_FILE "'"
                                  : "left it in place",
                  prev);
    }
    if (rc <= 0) {
        ms_error perr;
        int prc = read_generation(prev, max, &ck, &sum, &perr);
        if (prc < 0 || (prc == 0 && rc < 0)) {
            if (prc < 0) *err = perr;
            return ms_error_prefix(err, "no good checkpoint in '%s'", c->dir);
        }
        if (prc == 0) return 0; /* a state directory never written */
        from = "the state directory (previous checkpoint)";
    }
    c->last_checksum = sum;
    int n = apply(ck, s, policy, next, nparts, from);
    modelserving__store_checkpoint__free_unpacked(ck, NULL);
    return n;
}

/* Reads the changelog to its end; the last value of each key wins. */
static int restore_from_changelog(checkpoint *c, store *s, const char *brokers,
                                  const location_policy *policy, int64_t *next,
                                  int nparts, ms_error *err) {
    rd_kafka_conf_t *conf = kafka_conf_new(brokers, "modelserver-restore");
    char group[96];
    snprintf(group, sizeof group, "modelserver-restore-%d", (int)getpid());
    if (kafka_conf_set(conf, "group.id", group, err) ||
        kafka_conf_set(conf, "enable.auto.commit", "false", err)) {
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    rd_kafka_t *rk = kafka_new(RD_KAFKA_CONSUMER, conf, err);
    if (!rk) return -1;
    ms_error perr;
    int parts = kafka_topic_partitions(rk, c->changelog_topic, 3000, &perr);
    if (parts < 0) { /* no changelog yet: nothing to restore */
        kafka_consumer_destroy(rk);
        return 0;
    }
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(parts);
    int64_t *high = calloc((size_t)parts, sizeof *high);
    int pending = 0;
    for (int p = 0; high && p < parts; p++) {
        int64_t low;
        if (rd_kafka_query_watermark_offsets(rk, c->changelog_topic, p, &low,
                                             &high[p], 5000) == 0 &&
            high[p] > low)
            pending++;
        else high[p] = -1;
        rd_kafka_topic_partition_list_add(list, c->changelog_topic, p)->offset =
            RD_KAFKA_OFFSET_BEGINNING;
    }
    rd_kafka_assign(rk, list);
    rd_kafka_topic_partition_list_destroy(list);

    /* Latest value per data type. */
    rd_kafka_message_t *latest[STORE_MAX_DATA_TYPES] = {0};
    size_t nlatest = 0;
    int64_t deadline_ms = 30000;
    while (pending > 0 && deadline_ms > 0) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        deadline_ms -= m ? 0 : 100;
        if (!m) continue;
        if (m->err || m->partition >= parts) {
            rd_kafka_message_destroy(m);
            continue;
        }
        if (high[m->partition] > 0 && m->offset + 1 == high[m->partition])
            pending--;
        size_t i = 0;
        while (i < nlatest && !(latest[i]->key_len == m->key_len &&
                                memcmp(latest[i]->key, m->key, m->key_len) == 0))
            i++;
        if (i < nlatest) rd_kafka_message_destroy(latest[i]);
        else if (nlatest < STORE_MAX_DATA_TYPES) nlatest++;
        else { rd_kafka_message_destroy(m); continue; }
        latest[i] = m;
    }
    int restored = 0;
    for (size_t i = 0; i < nlatest; i++) {
        Modelserving__StoreCheckpoint *ck = latest[i]->payload
            ? modelserving__store_checkpoint__unpack(NULL, latest[i]->len,
                                                     latest[i]->payload)
            : NULL; /* a tombstone */
        if (ck) {
            restored += apply(ck, s, policy, next, nparts, "the changelog");
            modelserving__store_checkpoint__free_unpacked(ck, NULL);
        }
        rd_kafka_message_destroy(latest[i]);
    }
    free(high);
    kafka_consumer_close(rk, 2000);
    kafka_consumer_destroy(rk);
    if (pending > 0)
        log_warn("checkpoint", "the changelog '%s' was not read to its end "
                               "within 30s", c->changelog_topic);
    return restored;
}

int checkpoint_restore(checkpoint *c, store *s, const char *brokers,
                       const location_policy *policy, int64_t *next,
                       int nparts, ms_error *err) {
    int n = 0;
    if (c->dir) {
        n = restore_from_dir(c, s, policy, next, nparts, err);
        if (n < 0) log_error("checkpoint", "%s", err->msg);
        if (n > 0) return n;
    }
    if (c->changelog_topic)
        n = restore_from_changelog(c, s, brokers, policy, next, nparts, err);
    return n;
}
