// `offers-api link-brand`: starts a link-brand-locations job on a running server and,
// with --wait, follows it to its end (a live progress bar on a terminal, plain progress
// lines otherwise).
#pragma once

#include "app/config.hpp"

namespace offers::app {

// 0 when the job was started (and, with --wait, succeeded); 1 otherwise.
int linkBrand(const Config& config);

}  // namespace offers::app
