// Builds the "Request a call back" form at load time: it is absent from the HTML the server sends.
(function () {
  var root = document.getElementById("call-back-root");
  if (!root) { return; }

  function field(id, labelText, type, autocomplete) {
    var group = document.createElement("div");
    group.className = "form-group";
    var label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = labelText;
    var input = document.createElement("input");
    input.id = id;
    input.name = id.replace("call-back-", "");
    input.type = type;
    input.required = true;
    if (autocomplete) { input.autocomplete = autocomplete; }
    group.appendChild(label);
    group.appendChild(input);
    return group;
  }

  var form = document.createElement("form");
  form.id = "call-back-form";
  form.method = "post";
  form.action = "/contact/call-back/request";
  form.appendChild(field("call-back-name", "Full name", "text", "name"));
  form.appendChild(field("call-back-phone", "Phone number", "tel", "tel"));

  var slotGroup = document.createElement("div");
  slotGroup.className = "form-group";
  var slotLabel = document.createElement("label");
  slotLabel.htmlFor = "call-back-slot";
  slotLabel.textContent = "When should we call?";
  var slot = document.createElement("select");
  slot.id = "call-back-slot";
  slot.name = "slot";
  ["Morning (9am to 12pm)", "Afternoon (12pm to 5pm)"].forEach(function (text) {
    var option = document.createElement("option");
    option.textContent = text;
    slot.appendChild(option);
  });
  slotGroup.appendChild(slotLabel);
  slotGroup.appendChild(slot);
  form.appendChild(slotGroup);

  var submit = document.createElement("button");
  submit.type = "submit";
  submit.className = "button";
  submit.textContent = "Request a call back";
  form.appendChild(submit);
  root.appendChild(form);
})();
