// Loads one GGUF model with llama.cpp on the CPU, creates one context with the given settings and prints one
// JSON object on stdout: llama.cpp's own buffer sizes, parsed from its log (MiB to 2 decimals, as it prints them),
// the exact bytes of llama_get_memory_breakdown (src/llama-ext.h), llama_model_size and llama_model_n_params,
// the effective context parameters read back from the context, and the relevant raw log lines.
// Built and run by run.mjs; see README.md. Nothing is decoded: only context creation is measured.
//
// Usage: probe --model F [--ctx N] [--batch N] [--ubatch N] [--parallel N] [--fa on|off|auto] [--ctk T] [--ctv T]
//              [--kv-unified 0|1] [--swa-full 0|1] [--n-outputs-max N] [--n-outputs-max-per-seq N]
//              [--no-alloc 0|1] [--threads N] [--backend-dir DIR]

#include "llama.h"
#include "llama-ext.h"
#include "ggml-backend.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

static std::string g_log;

static void log_cb(ggml_log_level level, const char * text, void *) {
    if (level == GGML_LOG_LEVEL_DEBUG) {
        return;
    }
    g_log += text;
}

static std::string json_str(const std::string & s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += (char) c;
        } else if (c < 0x20) {
            char buf[8];
            snprintf(buf, sizeof(buf), "\\u%04x", c);
            out += buf;
        } else {
            out += (char) c;
        }
    }
    return out + "\"";
}

static ggml_type parse_type(const std::string & name) {
    for (int t = 0; t < GGML_TYPE_COUNT; t++) {
        const char * n = ggml_type_name((ggml_type) t);
        if (n && name == n) {
            return (ggml_type) t;
        }
    }
    fprintf(stderr, "unknown ggml type: %s\n", name.c_str());
    exit(2);
}

static std::vector<std::string> split_lines(const std::string & s) {
    std::vector<std::string> lines;
    size_t start = 0;
    while (start < s.size()) {
        size_t end = s.find('\n', start);
        if (end == std::string::npos) {
            end = s.size();
        }
        lines.push_back(s.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

// a line is kept when it gives a buffer, a cache, an effective context parameter, the graph, or a refusal
static bool relevant(const std::string & line) {
    static const char * keys[] = {
        "buffer size", "llama_kv_cache: size", "llama_kv_cache_iswa", "llama_context: n_", "llama_context: flash_attn",
        "llama_context: kv_unified", "Flash Attention", "graph nodes", "graph splits", "llama_init_from_model",
        "load_tensors: loading", "print_info: n_swa ", "rounding", "padding", "failed", "error",
    };
    if (line.find("full capacity") != std::string::npos) {
        return false;
    }
    for (const char * k : keys) {
        if (line.find(k) != std::string::npos) {
            return true;
        }
    }
    return false;
}

// "<func>: <name> <what> buffer size = <MiB> MiB" -> {"<name>": MiB}
static std::string parse_buffers(const std::vector<std::string> & lines, const char * what) {
    std::string out = "{";
    for (const auto & line : lines) {
        size_t pos = line.find(what);
        if (pos == std::string::npos) {
            continue;
        }
        size_t colon = line.find(": ");
        char name[128];
        double mib = 0;
        if (colon == std::string::npos || sscanf(line.c_str() + colon + 2, " %127s", name) != 1) {
            continue;
        }
        if (sscanf(line.c_str() + pos + strlen(what), " buffer size = %lf", &mib) != 1) {
            continue;
        }
        if (out.size() > 1) {
            out += ",";
        }
        char buf[64];
        snprintf(buf, sizeof(buf), ":%.2f", mib);
        out += json_str(name) + buf;
    }
    return out + "}";
}

// "llama_kv_cache: size = 1024.00 MiB (  8192 cells,  32 layers,  1/1 seqs), K (f16):  512.00 MiB, V (f16):  512.00 MiB";
// an iSWA cache logs "creating non-SWA KV cache" before its full cache and "creating     SWA KV cache" before the other
static std::string parse_kv_caches(const std::vector<std::string> & lines) {
    std::string out = "[";
    const char * kind = "full";
    for (const auto & line : lines) {
        if (line.find("creating non-SWA KV cache") != std::string::npos) {
            kind = "full";
        } else if (line.find("SWA KV cache") != std::string::npos) {
            kind = "swa";
        }
        size_t pos = line.find("llama_kv_cache: size = ");
        if (pos == std::string::npos) {
            continue;
        }
        double total, k, v;
        unsigned cells, seqs, streams;
        int layers;
        char tk[32], tv[32];
        int n = sscanf(line.c_str() + pos,
                "llama_kv_cache: size = %lf MiB ( %u cells, %d layers, %u/%u seqs), K (%31[^)]): %lf MiB, V (%31[^)]): %lf MiB",
                &total, &cells, &layers, &seqs, &streams, tk, &k, tv, &v);
        if (n != 9) {
            continue;
        }
        char buf[512];
        snprintf(buf, sizeof(buf),
                "%s{\"kind\":\"%s\",\"cells\":%u,\"layers\":%d,\"seqs\":%u,\"streams\":%u,\"kType\":\"%s\",\"kMiB\":%.2f,"
                "\"vType\":\"%s\",\"vMiB\":%.2f,\"totalMiB\":%.2f}",
                out.size() > 1 ? "," : "", kind, cells, layers, seqs, streams, tk, k, tv, v, total);
        out += buf;
    }
    return out + "]";
}

// the first "<func>: <key> = <uint>" line of a function, or -1
static long long parse_uint(const std::vector<std::string> & lines, const char * prefix) {
    for (const auto & line : lines) {
        size_t pos = line.find(prefix);
        if (pos != std::string::npos) {
            long long v = -1;
            sscanf(line.c_str() + pos + strlen(prefix), " = %lld", &v);
            return v;
        }
    }
    return -1;
}

// what follows "= " (or the key itself when it ends with a space) on the first line with `key`, or ""
static std::string first_line_with(const std::vector<std::string> & lines, const char * key) {
    for (const auto & line : lines) {
        size_t pos = line.find(key);
        if (pos != std::string::npos) {
            size_t eq = line.find("= ", pos);
            return eq == std::string::npos ? line.substr(pos + strlen(key)) : line.substr(eq + 2);
        }
    }
    return "";
}

struct options {
    std::string model, backend_dir, fa = "auto", ctk = "f16", ctv = "f16";
    uint32_t ctx = 4096, batch = 2048, ubatch = 512, parallel = 1, n_outputs_max = 0, n_outputs_max_per_seq = 1;
    int threads = 2;
    bool kv_unified = false, swa_full = false, no_alloc = false;
};

static options parse_args(int argc, char ** argv) {
    options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string k = argv[i];
        const std::string v = argv[i + 1];
        const auto u = [&]() { return (uint32_t) strtoul(v.c_str(), nullptr, 10); };
        if (k == "--model") o.model = v;
        else if (k == "--backend-dir") o.backend_dir = v;
        else if (k == "--ctx") o.ctx = u();
        else if (k == "--batch") o.batch = u();
        else if (k == "--ubatch") o.ubatch = u();
        else if (k == "--parallel") o.parallel = u();
        else if (k == "--fa") o.fa = v;
        else if (k == "--ctk") o.ctk = v;
        else if (k == "--ctv") o.ctv = v;
        else if (k == "--kv-unified") o.kv_unified = v == "1";
        else if (k == "--swa-full") o.swa_full = v == "1";
        else if (k == "--n-outputs-max") o.n_outputs_max = u();
        else if (k == "--n-outputs-max-per-seq") o.n_outputs_max_per_seq = u();
        else if (k == "--no-alloc") o.no_alloc = v == "1";
        else if (k == "--threads") o.threads = atoi(v.c_str());
        else {
            fprintf(stderr, "unknown option %s\n", k.c_str());
            exit(2);
        }
    }
    if (o.model.empty()) {
        fprintf(stderr, "--model is required\n");
        exit(2);
    }
    return o;
}

static std::string breakdown_json(const llama_context * ctx) {
    std::string out = "{";
    for (const auto & [buft, mb] : llama_get_memory_breakdown(ctx)) {
        char buf[160];
        snprintf(buf, sizeof(buf), "%s:{\"model\":%zu,\"context\":%zu,\"compute\":%zu}", json_str(ggml_backend_buft_name(buft)).c_str(),
                mb.model, mb.context, mb.compute);
        out += (out.size() > 1 ? "," : "") + std::string(buf);
    }
    return out + "}";
}

static std::string cpu_features_json() {
    std::string out = "{";
    ggml_backend_dev_t dev = ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU);
    ggml_backend_reg_t reg = dev ? ggml_backend_dev_backend_reg(dev) : nullptr;
    auto get = reg ? (ggml_backend_get_features_t) ggml_backend_reg_get_proc_address(reg, "ggml_backend_get_features") : nullptr;
    for (ggml_backend_feature * f = get ? get(reg) : nullptr; f && f->name; f++) {
        out += (out.size() > 1 ? "," : "") + json_str(f->name) + ":" + json_str(f->value);
    }
    return out + "}";
}

int main(int argc, char ** argv) {
    const options o = parse_args(argc, argv);

    llama_log_set(log_cb, nullptr);
    if (!o.backend_dir.empty()) {
        ggml_backend_load_all_from_path(o.backend_dir.c_str());
    }
    llama_backend_init();

    llama_model_params mp = llama_model_default_params();
    mp.n_gpu_layers = 0;
    mp.no_alloc = o.no_alloc;
    // no_alloc cannot map the file (llama-model.cpp asserts it); common/fit.cpp pairs it with LLAMA_LOAD_MODE_NONE too
    mp.load_mode = o.no_alloc ? LLAMA_LOAD_MODE_NONE : LLAMA_LOAD_MODE_MMAP;

    llama_context_params cp = llama_context_default_params();
    cp.n_ctx = o.ctx;
    cp.n_batch = o.batch;
    cp.n_ubatch = o.ubatch;
    cp.n_seq_max = o.parallel;
    cp.n_outputs_max = o.n_outputs_max;
    cp.n_outputs_max_per_seq = o.n_outputs_max_per_seq;
    cp.n_threads = o.threads;
    cp.n_threads_batch = o.threads;
    cp.flash_attn_type = o.fa == "on" ? LLAMA_FLASH_ATTN_TYPE_ENABLED
                       : o.fa == "off" ? LLAMA_FLASH_ATTN_TYPE_DISABLED : LLAMA_FLASH_ATTN_TYPE_AUTO;
    cp.type_k = parse_type(o.ctk);
    cp.type_v = parse_type(o.ctv);
    cp.kv_unified = o.kv_unified;
    cp.swa_full = o.swa_full;

    llama_model * model = llama_model_load_from_file(o.model.c_str(), mp);
    llama_context * ctx = model ? llama_init_from_model(model, cp) : nullptr;

    const auto all = split_lines(g_log);
    std::vector<std::string> lines;
    for (const auto & l : all) {
        if (relevant(l)) {
            lines.push_back(l);
        }
    }

    std::string out = "{";
    out += "\"ok\":" + std::string(ctx ? "true" : "false");
    out += ",\"noAlloc\":" + std::string(o.no_alloc ? "true" : "false");
    out += ",\"cpuFeatures\":" + cpu_features_json();
    out += ",\"cpuBackend\":" + json_str(first_line_with(all, "loaded CPU backend from "));
    if (model) {
        char buf[160];
        snprintf(buf, sizeof(buf), ",\"modelSizeBytes\":%llu,\"modelParameterCount\":%llu,\"nCtxTrain\":%d",
                (unsigned long long) llama_model_size(model), (unsigned long long) llama_model_n_params(model),
                llama_model_n_ctx_train(model));
        out += buf;
    }
    out += ",\"modelBuffersMiB\":" + parse_buffers(lines, "model");
    out += ",\"kvBuffersMiB\":" + parse_buffers(lines, "KV");
    out += ",\"computeBufferMiB\":" + parse_buffers(lines, "compute");
    out += ",\"outputBufferMiB\":" + parse_buffers(lines, "output");
    out += ",\"kvCaches\":" + parse_kv_caches(lines);
    out += ",\"logNCtx\":" + std::to_string(parse_uint(lines, "llama_context: n_ctx "));
    out += ",\"logNCtxSeq\":" + std::to_string(parse_uint(lines, "llama_context: n_ctx_seq "));
    out += ",\"logNBatch\":" + std::to_string(parse_uint(lines, "llama_context: n_batch "));
    out += ",\"logNUbatch\":" + std::to_string(parse_uint(lines, "llama_context: n_ubatch "));
    out += ",\"logNOutputsMax\":" + std::to_string(parse_uint(lines, "llama_context: n_outputs_max "));
    out += ",\"logNOutputsMaxPerSeq\":" + std::to_string(parse_uint(lines, "llama_context: n_outputs_max_per_seq "));
    out += ",\"logFlashAttn\":" + json_str(first_line_with(lines, "llama_context: flash_attn "));
    out += ",\"graphNodes\":" + json_str(first_line_with(lines, "graph nodes"));
    out += ",\"graphSplits\":" + json_str(first_line_with(lines, "graph splits"));
    if (ctx) {
        char buf[200];
        snprintf(buf, sizeof(buf), ",\"nCtx\":%u,\"nCtxSeq\":%u,\"nBatch\":%u,\"nUbatch\":%u,\"nSeqMax\":%u",
                llama_n_ctx(ctx), llama_n_ctx_seq(ctx), llama_n_batch(ctx), llama_n_ubatch(ctx), llama_n_seq_max(ctx));
        out += buf;
        out += ",\"memoryBreakdownBytes\":" + breakdown_json(ctx);
    }
    out += ",\"logLines\":[";
    for (size_t i = 0; i < lines.size(); i++) {
        out += (i ? "," : "") + json_str(lines[i]);
    }
    out += "]}";
    printf("%s\n", out.c_str());

    if (ctx) {
        llama_free(ctx);
    }
    if (model) {
        llama_model_free(model);
    }
    llama_backend_free();
    return ctx ? 0 : 1;
}
