// "Find your bin day": the postcode box and button sit outside any form; this script does the lookup.
(function () {
  var button = document.getElementById("bin-day-find");
  var input = document.getElementById("bin-day-postcode");
  var result = document.getElementById("bin-day-result");
  if (!button || !input || !result) { return; }
  button.addEventListener("click", function () {
    fetch("/api/bin-day?postcode=" + encodeURIComponent(input.value))
      .then(function (response) { return response.json(); })
      .then(function (data) { result.textContent = data.message; })
      .catch(function () { result.textContent = "Sorry, the lookup is not working. Call 01632 960 456."; });
  });
})();
