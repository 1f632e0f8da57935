/* `lakehouse serve`: starts the engine and the listeners, waits for SIGTERM/SIGINT, shuts down. */
#ifndef LAKEHOUSE_SERVER_SERVE_H
#define LAKEHOUSE_SERVER_SERVE_H

int serve_main(const char *prog, int argc, char **argv);

#endif
