// Hide the cookie banner once a choice has been saved (the choice itself works without JavaScript).
(function () {
  if (document.cookie.split("; ").some(function (c) { return c.indexOf("cookies_policy=") === 0; })) {
    var banner = document.getElementById("cookie-banner");
    if (banner) { banner.hidden = true; }
  }
})();
