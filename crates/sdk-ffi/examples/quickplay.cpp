// Quickplay through Rally's C ABI: a small game loop that logs in (registering the account the
// first time), creates a party, queues for a duel, and polls events once a frame until its game
// session is ready; then it prints the server's endpoint.
//
// Build (after `cargo build -p rally-sdk-ffi`):
//   g++ -std=c++17 -I target/debug/include crates/sdk-ffi/examples/quickplay.cpp
//       target/debug/librally_sdk_ffi.a -lpthread -ldl -lm -o quickplay
//   ./quickplay http://127.0.0.1:8080 ada 'correct horse battery'

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "rally.h"

namespace {

// The last error of this thread, as "code: message".
std::string last_error() {
  char *code = rally_last_error_code();
  char *message = rally_last_error_message();
  std::string text = std::string(code ? code : "?") + ": " + (message ? message : "");
  rally_string_free(code);
  rally_string_free(message);
  return text;
}

// The last error's code alone.
std::string last_code() {
  char *code = rally_last_error_code();
  std::string text = code ? code : "";
  rally_string_free(code);
  return text;
}

int fail(const char *what) {
  std::fprintf(stderr, "%s failed: %s\n", what, last_error().c_str());
  return 1;
}

}  // namespace

int main(int argc, char **argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s BASE_URL USERNAME PASSWORD\n", argv[0]);
    return 2;
  }
  const char *url = argv[1], *username = argv[2], *password = argv[3];

  RallyClient *client = rally_client_new(url);
  if (!client) return fail("rally_client_new");

  if (rally_login(client, username, password) != RALLY_STATUS_OK) {
    if (last_code() != "invalid_credentials") return fail("rally_login");
    std::string email = std::string(username) + "@example.com";
    if (rally_register(client, username, email.c_str(), password) != RALLY_STATUS_OK)
      return fail("rally_register");
  }
  if (rally_connect(client) != RALLY_STATUS_OK) return fail("rally_connect");

  bool queued = false;
  int status = 1;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    RallyEvent event;
    while (rally_poll_event(client, &event) == RALLY_STATUS_OK) {
      std::printf("event %s\n", event.name);
      if (event.kind == RALLY_EVENT_KIND_CONNECTED && !queued) {
        // Connected first, so no push about the ticket is missed.
        char *party_id = nullptr;
        if (rally_party_create(client, 0, false, &party_id) != RALLY_STATUS_OK) {
          rally_event_free(&event);
          return fail("rally_party_create");
        }
        std::printf("party %s\n", party_id);
        rally_string_free(party_id);
        RallyRegion regions[] = {{"eu", 30}};
        if (rally_queue_join(client, "duel", regions, 1) != RALLY_STATUS_OK) {
          rally_event_free(&event);
          return fail("rally_queue_join");
        }
        queued = true;
      } else if (event.kind == RALLY_EVENT_KIND_MATCH_FOUND) {
        std::printf("match %s\n", event.match_id);
        // A queue with an accept step asks every player to accept before the server is found.
        if (std::strstr(event.json, "\"accept_deadline_ms\"") != nullptr) {
          if (rally_match_accept(client, event.match_id) != RALLY_STATUS_OK) {
            rally_event_free(&event);
            return fail("rally_match_accept");
          }
          std::printf("accepted %s\n", event.match_id);
        }
      } else if (event.kind == RALLY_EVENT_KIND_MATCH_ACCEPTED) {
        std::printf("acceptance %s\n", event.code);
      } else if (event.kind == RALLY_EVENT_KIND_SESSION_READY) {
        std::printf("endpoint %s\n", event.endpoint ? event.endpoint : "-");
        std::printf("token %s\n", event.token ? "received" : "missing");
        status = 0;
      } else if (event.kind == RALLY_EVENT_KIND_LOGGED_OUT) {
        std::fprintf(stderr, "logged out: %s\n", event.code);
      }
      rally_event_free(&event);
      if (status == 0) break;
    }
    if (status == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(16));  // one frame
  }
  if (status != 0) std::fprintf(stderr, "no session within 60 s\n");
  std::fflush(stdout);
  rally_client_free(client);
  return status;
}
