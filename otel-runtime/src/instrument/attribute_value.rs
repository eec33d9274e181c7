//! Values `#[traced(attributes(...))]` and `ret` can record natively, without formatting.

use std::borrow::Cow;
use std::fmt;
use std::rc::Rc;
use std::sync::Arc;

use opentelemetry::{StringValue, Value};

/// A value recorded as a native OpenTelemetry attribute value: integers as `i64`, floats as
/// `f64`, `bool`, and strings. Anything else is recorded with `?x` (Debug) or `%x` (Display).
///
/// ```
/// use otel_runtime::AttributeValue;
/// use opentelemetry::Value;
///
/// assert_eq!(42_u16.attribute_value(), Value::I64(42));
/// assert_eq!("id".attribute_value(), Value::from("id"));
/// assert_eq!(u64::MAX.attribute_value(), Value::from("18446744073709551615"));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be recorded as a native OpenTelemetry attribute value",
    label = "not an integer, float, bool or string",
    note = "record it formatted instead: `?name` (Debug) or `%name` (Display)"
)]
pub trait AttributeValue {
    /// The value to record.
    fn attribute_value(&self) -> Value;
}

macro_rules! lossless_integers {
    ($($ty:ty),*) => {$(
        impl AttributeValue for $ty {
            fn attribute_value(&self) -> Value {
                Value::I64(i64::from(*self))
            }
        }
    )*};
}
lossless_integers!(i8, i16, i32, i64, u8, u16, u32);

macro_rules! wide_integers {
    ($($ty:ty),*) => {$(
        impl AttributeValue for $ty {
            /// As `i64` when it fits, as its decimal string otherwise (never truncated).
            fn attribute_value(&self) -> Value {
                match i64::try_from(*self) {
                    Ok(value) => Value::I64(value),
                    Err(_) => Value::String(self.to_string().into()),
                }
            }
        }
    )*};
}
wide_integers!(u64, u128, i128, usize, isize);

impl AttributeValue for f64 {
    fn attribute_value(&self) -> Value {
        Value::F64(*self)
    }
}

impl AttributeValue for f32 {
    fn attribute_value(&self) -> Value {
        Value::F64(f64::from(*self))
    }
}

impl AttributeValue for bool {
    fn attribute_value(&self) -> Value {
        Value::Bool(*self)
    }
}

impl AttributeValue for str {
    fn attribute_value(&self) -> Value {
        Value::String(self.to_owned().into())
    }
}

impl AttributeValue for String {
    fn attribute_value(&self) -> Value {
        Value::String(self.clone().into())
    }
}

impl AttributeValue for Cow<'_, str> {
    fn attribute_value(&self) -> Value {
        Value::String(self.to_string().into())
    }
}

impl AttributeValue for Arc<str> {
    fn attribute_value(&self) -> Value {
        Value::String(StringValue::from(Arc::clone(self)))
    }
}

impl AttributeValue for Value {
    fn attribute_value(&self) -> Value {
        self.clone()
    }
}

impl AttributeValue for StringValue {
    fn attribute_value(&self) -> Value {
        Value::String(self.clone())
    }
}

impl<T: AttributeValue + ?Sized> AttributeValue for &T {
    fn attribute_value(&self) -> Value {
        (**self).attribute_value()
    }
}

impl<T: AttributeValue + ?Sized> AttributeValue for &mut T {
    fn attribute_value(&self) -> Value {
        (**self).attribute_value()
    }
}

impl<T: AttributeValue + ?Sized> AttributeValue for Box<T> {
    fn attribute_value(&self) -> Value {
        (**self).attribute_value()
    }
}

impl<T: AttributeValue + ?Sized> AttributeValue for Rc<T> {
    fn attribute_value(&self) -> Value {
        (**self).attribute_value()
    }
}

/// `value` formatted with `Debug`, for `?x`.
#[doc(hidden)]
pub fn debug_value<T: fmt::Debug + ?Sized>(value: &T) -> Value {
    Value::String(format!("{value:?}").into())
}

/// `value` formatted with `Display`, for `%x`.
#[doc(hidden)]
pub fn display_value<T: fmt::Display + ?Sized>(value: &T) -> Value {
    Value::String(value.to_string().into())
}

/// `value` recorded natively, for `x`.
#[doc(hidden)]
pub fn native_value<T: AttributeValue + ?Sized>(value: &T) -> Value {
    value.attribute_value()
}
