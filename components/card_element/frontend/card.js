(function () {
  "use strict";
  let args = null, stripe = null, card = null, busy = false, loadedUrl = null;
  const saveButton = document.getElementById("save");
  const message = document.getElementById("message");
  const status = document.getElementById("status");

  function send(type, data) {
    window.parent.postMessage(Object.assign({ isStreamlitMessage: true, type: type }, data), "*");
  }
  function setHeight() { send("streamlit:setFrameHeight", { height: document.body.scrollHeight + 8 }); }
  function setValue(value) { send("streamlit:setComponentValue", { value: value, dataType: "json" }); }

  function loadStripe(url, done) {
    if (loadedUrl === url) { done(); return; }
    const script = document.createElement("script");
    script.src = url;
    script.onload = function () { loadedUrl = url; done(); };
    script.onerror = function () { message.textContent = "The card form could not load. Check your connection and try again."; setHeight(); };
    document.head.appendChild(script);
  }

  function mount() {
    stripe = window.Stripe(args.publishable_key);
    card = stripe.elements().create("card", { hidePostalCode: false });
    card.mount("#card");
    if (card.on) {
      card.on("change", function (event) {
        message.textContent = event && event.error ? event.error.message : "";
        setHeight();
      });
    }
    saveButton.disabled = false;
    setHeight();
  }

  saveButton.addEventListener("click", async function () {
    if (busy || !stripe) return;
    busy = true; saveButton.disabled = true; message.textContent = ""; status.textContent = "Saving…";
    try {
      const result = await stripe.confirmCardSetup(args.client_secret, { payment_method: { card: card } });
      if (result.error) {
        message.textContent = result.error.message || "The card was not accepted.";
        status.textContent = "";
        setValue({ error: message.textContent, nonce: Date.now() });
        saveButton.disabled = false;
      } else {
        status.textContent = "Card confirmed. Saving…";
        setValue({ setup_intent_id: result.setupIntent.id });
      }
    } catch (error) {
      message.textContent = "The card could not be checked. Please try again.";
      status.textContent = "";
      saveButton.disabled = false;
    }
    busy = false;
    setHeight();
  });

  function applyTheme(theme) {
    if (!theme) return;
    const root = document.documentElement.style;
    if (theme.primaryColor) root.setProperty("--primary", theme.primaryColor);
    if (theme.textColor) root.setProperty("--text", theme.textColor);
    if (theme.font) document.body.style.fontFamily = theme.font;
  }

  window.addEventListener("message", function (event) {
    const data = event.data || {};
    if (data.type !== "streamlit:render") return;
    applyTheme(data.theme);
    const first = args === null || args.client_secret !== data.args.client_secret;
    args = data.args;
    saveButton.textContent = args.button_label || "Save card";
    if (first) loadStripe(args.js_url, mount);
    setHeight();
  });
  send("streamlit:componentReady", { apiVersion: 1 });
})();
