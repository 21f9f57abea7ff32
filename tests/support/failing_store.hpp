// A Store decorator that fails its nth call (counting from 0) with Error(unavailable):
// either before passing it on (the call never happened) or after (it happened, but the
// caller saw a failure, as when a process dies right after a commit). Looping n over
// 0, 1, 2, ... until an operation completes untouched proves that every step of it
// either completes or resumes cleanly (the fail_count idea of Boost.Beast's tests).
#pragma once

#include <atomic>
#include <memory>

#include "domain/error.hpp"
#include "store/store.hpp"

namespace offers::testing {

class FailingStore final : public store::Store {
 public:
  enum class When { before, after };

  FailingStore(store::Store& inner, long failAt, When when)
      : inner_(inner), failAt_(failAt), when_(when) {}

  long calls() const { return calls_; }
  bool failed() const { return failed_; }

  void createBrand(const domain::Brand& b) override {
    pass([&] { inner_.createBrand(b); });
  }
  std::optional<domain::Brand> getBrand(std::string_view id) override {
    return pass([&] { return inner_.getBrand(id); });
  }
  domain::Brand updateBrand(std::string_view id, const domain::BrandPatch& p,
                            domain::Millis now) override {
    return pass([&] { return inner_.updateBrand(id, p, now); });
  }
  void deleteBrand(std::string_view id) override {
    pass([&] { inner_.deleteBrand(id); });
  }
  domain::Page<domain::Brand> listBrands(const domain::PageRequest& page) override {
    return pass([&] { return inner_.listBrands(page); });
  }
  void createOffer(const domain::Offer& o) override {
    pass([&] { inner_.createOffer(o); });
  }
  std::optional<domain::Offer> getOffer(std::string_view id) override {
    return pass([&] { return inner_.getOffer(id); });
  }
  domain::Offer updateOffer(std::string_view id, const domain::OfferPatch& p,
                            domain::Millis now) override {
    return pass([&] { return inner_.updateOffer(id, p, now); });
  }
  void deleteOffer(std::string_view id) override {
    pass([&] { inner_.deleteOffer(id); });
  }
  domain::Page<domain::Offer> listOffers(const std::optional<std::string>& brandId,
                                         const domain::PageRequest& page) override {
    return pass([&] { return inner_.listOffers(brandId, page); });
  }
  void createLocations(const std::vector<domain::Location>& l) override {
    pass([&] { inner_.createLocations(l); });
  }
  std::optional<domain::Location> getLocation(std::string_view id) override {
    return pass([&] { return inner_.getLocation(id); });
  }
  domain::Location updateLocation(std::string_view id, const domain::LocationPatch& p,
                                  domain::Millis now) override {
    return pass([&] { return inner_.updateLocation(id, p, now); });
  }
  void deleteLocation(std::string_view id) override {
    pass([&] { inner_.deleteLocation(id); });
  }
  domain::Page<domain::Location> listLocations(const std::optional<std::string>& brandId,
                                               const domain::PageRequest& page) override {
    return pass([&] { return inner_.listLocations(brandId, page); });
  }
  domain::LinkResult link(std::string_view o, std::string_view l) override {
    return pass([&] { return inner_.link(o, l); });
  }
  domain::UnlinkResult unlink(std::string_view o, std::string_view l) override {
    return pass([&] { return inner_.unlink(o, l); });
  }
  domain::Page<domain::Location> listLocationsOfOffer(std::string_view id,
                                                      const domain::PageRequest& page) override {
    return pass([&] { return inner_.listLocationsOfOffer(id, page); });
  }
  domain::Page<domain::Offer> listOffersOfLocation(std::string_view id,
                                                   const domain::PageRequest& page) override {
    return pass([&] { return inner_.listOffersOfLocation(id, page); });
  }
  void createJob(const domain::Job& j) override {
    pass([&] { inner_.createJob(j); });
  }
  std::optional<domain::Job> getJob(std::string_view id) override {
    return pass([&] { return inner_.getJob(id); });
  }
  domain::Page<domain::Job> listJobs(const std::optional<std::string>& offerId,
                                     const domain::PageRequest& page) override {
    return pass([&] { return inner_.listJobs(offerId, page); });
  }
  std::vector<std::string> activeJobs() override {
    return pass([&] { return inner_.activeJobs(); });
  }
  domain::Job cancelJob(std::string_view id) override {
    return pass([&] { return inner_.cancelJob(id); });
  }
  domain::Job runJobStep(std::string_view id, std::size_t pageSize) override {
    return pass([&] { return inner_.runJobStep(id, pageSize); });
  }
  domain::Job failJob(std::string_view id, const domain::JobError& e) override {
    return pass([&] { return inner_.failJob(id, e); });
  }
  domain::Page<domain::Event> listEvents(std::optional<std::uint64_t> after,
                                         std::size_t limit) override {
    return pass([&] { return inner_.listEvents(after, limit); });
  }
  std::optional<domain::Event> getEvent(std::uint64_t seq) override {
    return pass([&] { return inner_.getEvent(seq); });
  }
  void createWebhook(const domain::Webhook& w) override {
    pass([&] { inner_.createWebhook(w); });
  }
  std::optional<domain::Webhook> getWebhook(std::string_view id) override {
    return pass([&] { return inner_.getWebhook(id); });
  }
  domain::Page<domain::Webhook> listWebhooks(const domain::PageRequest& page) override {
    return pass([&] { return inner_.listWebhooks(page); });
  }
  void deleteWebhook(std::string_view id) override {
    pass([&] { inner_.deleteWebhook(id); });
  }
  std::size_t fanOutEvents(std::size_t maxEvents, domain::Millis now) override {
    return pass([&] { return inner_.fanOutEvents(maxEvents, now); });
  }
  std::vector<domain::PendingDelivery> dueDeliveries(domain::Millis now,
                                                     std::size_t limit) override {
    return pass([&] { return inner_.dueDeliveries(now, limit); });
  }
  void recordAttempt(const domain::PendingDelivery& d, const domain::DeliveryAttempt& a) override {
    pass([&] { inner_.recordAttempt(d, a); });
  }
  domain::Page<domain::DeliveryAttempt> listDeliveryAttempts(
      std::string_view id, const domain::PageRequest& page) override {
    return pass([&] { return inner_.listDeliveryAttempts(id, page); });
  }

 private:
  // The one place that decides whether this call fails.
  template <class F>
  auto pass(F&& f) -> decltype(f()) {
    const bool fail = calls_++ == failAt_;
    if (fail) failed_ = true;
    if (fail && when_ == When::before) injected();
    if constexpr (std::is_void_v<decltype(f())>) {
      f();
      if (fail) injected();
    } else {
      auto result = f();
      if (fail) injected();
      return result;
    }
  }
  [[noreturn]] static void injected() {
    throw domain::Error(domain::ErrorCode::unavailable, "injected failure", "injected failure");
  }

  store::Store& inner_;
  const long failAt_;
  const When when_;
  std::atomic<long> calls_{0};
  std::atomic<bool> failed_{false};
};

}  // namespace offers::testing
