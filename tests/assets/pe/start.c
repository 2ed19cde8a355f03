/* The whole program of every fixture: the resources are what the tests read. */
void start(void) {}
