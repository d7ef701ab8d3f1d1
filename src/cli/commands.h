/* Subcommand entry points of the xdperf CLI (each returns the process exit status). */
#ifndef XDPERF_CLI_COMMANDS_H
#define XDPERF_CLI_COMMANDS_H

int cmd_wasm_spectest(int argc, char **argv); /* xdperf wasm spectest FILE.json... */
int cmd_wasm_run(int argc, char **argv);      /* xdperf wasm run FILE.wasm [--invoke NAME ARGS...] */
int cmd_generate(int argc, char **argv);      /* xdperf --plugin NAME (-o FILE.pcap | -d IF) ... */
int cmd_probe(int argc, char **argv);         /* xdperf probe -d IF [--json] */
int cmd_count(int argc, char **argv);         /* xdperf count -d IF [--pass] [--duration SEC] [--json] */
int cmd_plugin(int argc, char **argv);        /* xdperf plugin inspect|run NAME|FILE.wasm ... */
int cmd_plugin_list(int argc, char **argv);   /* xdperf plugin list [-P DIR] [--json] (argv[0] "list") */
int cmd_plugin_new(int argc, char **argv);    /* xdperf plugin new NAME [-o DIR] (argv[0] "new") */
int cmd_protocol(int argc, char **argv);      /* xdperf protocol check|call FILE.wasm ... */
int cmd_keygen(int argc, char **argv);        /* xdperf keygen [-o PREFIX] */
int cmd_sign(int argc, char **argv);          /* xdperf sign [-k KEYFILE] FILE.wasm... */
int cmd_verify(int argc, char **argv);        /* xdperf verify --trust-dir DIR FILE.wasm... */
int cmd_serve(int argc, char **argv);         /* xdperf serve --listen URL --protocol ID=FILE@VER ... */
int cmd_ctl(int argc, char **argv);
int cmd_run(int argc, char **argv);           /* xdperf run PROFILE.yaml ... (profiles) */
int cmd_ndr(int argc, char **argv);           /* xdperf ndr -d IF --server-addr HOST:PORT ... */
int cmd_server(int argc, char **argv);        /* xdperf --server -d IF [--port N] [--stamp] ... */           /* xdperf ctl [--admin HOST:PORT] COMMAND ... */

#endif
